import { validatorConfigSchema } from '@infermesh/validator/config'
import type { z } from 'zod'
import { payerKeySchema } from '../gateway/gatewayFileSchema.js'

/**
 * The validator's configuration file as `infermesh validator start` reads it: the validator package's
 * `validatorConfigSchema` plus a `key` section: an encrypted keystore, or for development only the key
 * in clear.
 *
 * @example
 * ```json
 * { "chain": { "rpcUrl": "http://127.0.0.1:8545", "contracts": { … } },
 *   "key": { "keystore": "validator-keystore.json" },
 *   "models": [{ "modelId": "0x…", "path": "models/tiny.gguf" }] }
 * ```
 */
export const validatorFileSchema = validatorConfigSchema.extend({ key: payerKeySchema })

export type ValidatorFileConfig = z.output<typeof validatorFileSchema>
export type ValidatorFileConfigInput = z.input<typeof validatorFileSchema>
