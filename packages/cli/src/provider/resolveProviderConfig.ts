import { type ConfigOverride, type ResolvedConfig, resolveConfig } from '@infermesh/node/config'
import { type ProviderConfig, providerConfigSchema } from '@infermesh/protocol'

/** Where `infermesh provider init` writes the config, and where the other commands look for it. */
export const defaultProviderConfigFile = '.infermesh/provider/provider.json'

/** Command-line flags that override the config file (each is optional; strings as typed). */
export type ProviderConfigFlags = {
  config?: string
  'rpc-url'?: string
  host?: string
  port?: string
  endpoint?: string
  'database-url'?: string
  keystore?: string
}

/**
 * The settings a flag or an environment variable may override, in precedence order: the flag, then
 * each variable, then the file, then the schema's default. Secrets (the upstream API key, a database
 * password) are better kept in the environment than in the file.
 */
export const providerConfigOverrides = [
  { path: ['chain', 'rpcUrl'], flag: 'rpc-url', env: ['INFERMESH_RPC_URL'] },
  { path: ['server', 'host'], flag: 'host', env: ['INFERMESH_PROVIDER_HOST'] },
  { path: ['server', 'port'], flag: 'port', env: ['INFERMESH_PROVIDER_PORT'], number: true },
  { path: ['registration', 'endpoint'], flag: 'endpoint', env: ['INFERMESH_PROVIDER_ENDPOINT'] },
  { path: ['database', 'url'], flag: 'database-url', env: ['INFERMESH_DATABASE_URL', 'DATABASE_URL'] },
  {
    path: ['keystore', 'path'],
    flag: 'keystore',
    env: ['INFERMESH_KEYSTORE'],
    file: true,
    // A keystore file replaces a clear-text `privateKey`.
    replacesSection: true,
  },
  {
    path: ['backend', 'apiKey'],
    env: ['INFERMESH_UPSTREAM_API_KEY'],
    when: (settings) => (settings.backend as { kind?: unknown } | undefined)?.kind === 'openai-compatible',
  },
] as const satisfies readonly (ConfigOverride & { flag?: keyof ProviderConfigFlags })[]

export type ResolveProviderConfigParams = {
  flags: ProviderConfigFlags
  env: NodeJS.ProcessEnv
  /** Directory relative flag and environment paths are read from. Default `process.cwd()`. */
  cwd?: string
}

export type ResolvedProviderConfig = ResolvedConfig<ProviderConfig>

/**
 * Resolves the provider's configuration through the daemon kit's `resolveConfig`, with its one
 * precedence: flag > environment (`INFERMESH_*`) > config file > default. The file is `--config`,
 * else `INFERMESH_PROVIDER_CONFIG`, else `.infermesh/provider/provider.json`. Relative paths inside the
 * file (keystore, models, database directory) are relative to the file's directory, so a provider
 * directory can move as a whole. The result is validated by `providerConfigSchema`; every problem is
 * reported at once, naming the field.
 *
 * @throws ConfigError (the CLI exits 2) when the file is missing, is not JSON, or does not validate.
 * @example
 * ```ts
 * const { config, file, sources } = await resolveProviderConfig({ flags: { port: '9000' }, env: process.env })
 * ```
 */
export function resolveProviderConfig(params: ResolveProviderConfigParams): Promise<ResolvedProviderConfig> {
  return resolveConfig(
    {
      role: 'provider',
      schema: providerConfigSchema,
      overrides: providerConfigOverrides,
      defaultFile: defaultProviderConfigFile,
      fileEnv: 'INFERMESH_PROVIDER_CONFIG',
      relativePaths: ['keystore.path', 'database.dir', 'backend.models[].path'],
      missingHint: 'create one with "infermesh provider init", or pass --config FILE',
    },
    params,
  )
}
