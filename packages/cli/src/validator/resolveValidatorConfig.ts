import { type ConfigOverride, resolveConfig } from '@infermesh/node/config'
import { devnetHint } from '../config/devnetHint.js'
import { type ValidatorFileConfig, validatorFileSchema } from './validatorFileSchema.js'

/** Where `infermesh validator start` looks for its config. */
export const defaultValidatorConfigFile = '.infermesh/validator/validator.json'

export type ValidatorConfigFlags = {
  config?: string
  'rpc-url'?: string
  host?: string
  port?: string
  'public-url'?: string
  'database-url'?: string
  keystore?: string
}

/** Settings a flag or an environment variable may override. */
export const validatorConfigOverrides = [
  { path: ['chain', 'rpcUrl'], flag: 'rpc-url', env: ['INFERMESH_RPC_URL'] },
  { path: ['server', 'host'], flag: 'host', env: ['INFERMESH_VALIDATOR_HOST'] },
  { path: ['server', 'port'], flag: 'port', env: ['INFERMESH_VALIDATOR_PORT'], number: true },
  { path: ['server', 'publicUrl'], flag: 'public-url', env: ['INFERMESH_VALIDATOR_PUBLIC_URL'] },
  { path: ['database', 'url'], flag: 'database-url', env: ['INFERMESH_DATABASE_URL', 'DATABASE_URL'] },
  {
    path: ['key', 'keystore'],
    flag: 'keystore',
    env: ['INFERMESH_KEYSTORE'],
    file: true,
    replacesSection: true,
  },
] as const satisfies readonly (ConfigOverride & { flag: keyof ValidatorConfigFlags })[]

/**
 * Resolves the validator's configuration: flag > environment > file (`--config`, `INFERMESH_VALIDATOR_CONFIG`,
 * `.infermesh/validator/validator.json`, else the devnet's first validator) > default. `database.dir`,
 * `key.keystore` and model paths are relative to the file.
 *
 * @throws ConfigError (the CLI exits 2) when the file is missing, is not JSON, or does not validate.
 */
export function resolveValidatorConfig(params: {
  flags: ValidatorConfigFlags
  env: NodeJS.ProcessEnv
  cwd?: string
}): Promise<{ config: ValidatorFileConfig; file: string; sources: Record<string, string> }> {
  return resolveConfig(
    {
      role: 'validator',
      schema: validatorFileSchema,
      overrides: validatorConfigOverrides,
      defaultFile: defaultValidatorConfigFile,
      fileEnv: 'INFERMESH_VALIDATOR_CONFIG',
      devnetFile: ['validators', 'validator-1', 'validator.json'],
      relativePaths: ['database.dir', 'key.keystore', 'models[].path'],
      missingHint: devnetHint(['validators', 'validator-1', 'validator.json']),
    },
    params,
  )
}
