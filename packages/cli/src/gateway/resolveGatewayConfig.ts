import { type ConfigOverride, resolveConfig } from '@infermesh/node/config'
import { devnetHint } from '../config/devnetHint.js'
import { type GatewayFileConfig, gatewayFileSchema } from './gatewayFileSchema.js'

/** Where `infermesh gateway start` and `infermesh keys create` look for the gateway's config. */
export const defaultGatewayConfigFile = '.infermesh/gateway/gateway.json'

/** Command-line flags that override the gateway config file (each optional; strings as typed). */
export type GatewayConfigFlags = {
  config?: string
  'rpc-url'?: string
  host?: string
  port?: string
  'database-url'?: string
  keystore?: string
}

/**
 * The settings a flag or an environment variable may override, in precedence order: the flag, then
 * each variable, then the file, then the schema's default.
 */
export const gatewayConfigOverrides = [
  { path: ['chain', 'rpcUrl'], flag: 'rpc-url', env: ['INFERMESH_RPC_URL'] },
  { path: ['server', 'host'], flag: 'host', env: ['INFERMESH_GATEWAY_HOST'] },
  { path: ['server', 'port'], flag: 'port', env: ['INFERMESH_GATEWAY_PORT'], number: true },
  { path: ['database', 'url'], flag: 'database-url', env: ['INFERMESH_DATABASE_URL', 'DATABASE_URL'] },
  {
    path: ['payer', 'keystore'],
    flag: 'keystore',
    env: ['INFERMESH_KEYSTORE'],
    file: true,
    replacesSection: true,
  },
] as const satisfies readonly (ConfigOverride & { flag: keyof GatewayConfigFlags })[]

export type ResolveGatewayConfigParams = {
  flags: GatewayConfigFlags
  env: NodeJS.ProcessEnv
  /** Directory relative flag and environment paths are read from. Default `process.cwd()`. */
  cwd?: string
}

export type ResolvedGatewayConfig = {
  config: GatewayFileConfig
  /** Absolute path of the config file. */
  file: string
  /** Settings that did not come from the file, and where they came from: `{ 'server.port': '--port' }`. */
  sources: Record<string, string>
}

/**
 * Resolves the gateway's configuration, in one place, with one precedence: flag > environment
 * (`INFERMESH_*`) > config file > default. The file is `--config`, else `INFERMESH_GATEWAY_CONFIG`,
 * else `.infermesh/gateway/gateway.json`, else the gateway of the devnet `infermesh up` runs
 * (`$INFERMESH_DIR/devnet/gateway/gateway.json`, `.infermesh` by default). Relative paths inside the file (`database.dir`,
 * `payer.keystore`) are relative to the file's directory. The result is validated by
 * `gatewayFileSchema` (the gateway's `gatewayConfigSchema` plus the payer key); every problem is
 * reported at once, naming the field.
 *
 * @throws ConfigError (the CLI exits 2) when the file is missing, is not JSON, or does not validate.
 * @example
 * ```ts
 * const { config, file, sources } = await resolveGatewayConfig({ flags: { port: '9000' }, env: process.env })
 * ```
 */
export function resolveGatewayConfig(params: ResolveGatewayConfigParams): Promise<ResolvedGatewayConfig> {
  return resolveConfig(
    {
      role: 'gateway',
      schema: gatewayFileSchema,
      overrides: gatewayConfigOverrides,
      defaultFile: defaultGatewayConfigFile,
      fileEnv: 'INFERMESH_GATEWAY_CONFIG',
      devnetFile: ['gateway', 'gateway.json'],
      relativePaths: ['database.dir', 'payer.keystore'],
      missingHint: devnetHint(['gateway', 'gateway.json']),
    },
    params,
  )
}
