import { gatewayConfigSchema } from '@infermesh/gateway/config'
import type { Hex } from 'viem'
import { z } from 'zod'

/**
 * Where the gateway's payer key comes from: an encrypted keystore (Web3 Secret Storage, the password
 * given at start-up, never in the file), or for development only the key in clear.
 */
export const payerKeySchema = z.union(
  [
    z.strictObject({
      /** Path of an encrypted JSON keystore holding the payer's key; relative to the config file. */
      keystore: z.string().min(1),
    }),
    z.strictObject({
      /** The payer's private key in clear. Development only (devnet dev keys); never on a real chain. */
      privateKey: z
        .string()
        .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be 32 bytes of hex (0x + 64 hex digits)' })
        .transform((value) => value as Hex),
    }),
  ],
  { error: 'must be { "keystore": "<keystore file>" } or, for development only, { "privateKey": "0x…" }' },
)

/**
 * The gateway's configuration file as `infermesh gateway start` reads it: the gateway package's
 * `gatewayConfigSchema` plus a `payer` section naming the key that signs vouchers (the gateway package
 * takes the account itself, already decrypted, so the key's storage is the CLI's business).
 *
 * @example
 * ```json
 * { "chain": { "rpcUrl": "http://127.0.0.1:8545", "contracts": { … } },
 *   "payer": { "keystore": "payer-keystore.json" },
 *   "database": { "dir": "data" } }
 * ```
 */
export const gatewayFileSchema = gatewayConfigSchema.extend({ payer: payerKeySchema })

/** A validated gateway configuration file: the gateway's config and the payer's key source. */
export type GatewayFileConfig = z.output<typeof gatewayFileSchema>
/** What a gateway configuration file may contain (before defaults). */
export type GatewayFileConfigInput = z.input<typeof gatewayFileSchema>
