import { type ExplorerConfig, explorerConfigSchema } from '@infermesh/explorer/config'
import { type ConfigOverride, resolveConfig } from '@infermesh/node/config'
import { devnetHint } from '../config/devnetHint.js'

/** Where `infermesh explorer` looks for its config unless told otherwise. */
export const defaultExplorerConfigFile = '.infermesh/explorer/explorer.json'

/** Command-line flags that override the explorer config file (each optional; strings as typed). */
export type ExplorerConfigFlags = {
  config?: string
  'rpc-url'?: string
  host?: string
  port?: string
  'database-url'?: string
  confirmations?: string
}

/** The settings a flag or an environment variable may override, in precedence order. */
export const explorerConfigOverrides = [
  { path: ['chain', 'rpcUrl'], flag: 'rpc-url', env: ['INFERMESH_RPC_URL'] },
  { path: ['server', 'host'], flag: 'host', env: ['INFERMESH_EXPLORER_HOST'] },
  { path: ['server', 'port'], flag: 'port', env: ['INFERMESH_EXPLORER_PORT'], number: true },
  { path: ['database', 'url'], flag: 'database-url', env: ['INFERMESH_DATABASE_URL', 'DATABASE_URL'] },
  {
    path: ['indexer', 'confirmations'],
    flag: 'confirmations',
    env: ['INFERMESH_EXPLORER_CONFIRMATIONS'],
    number: true,
  },
] as const satisfies readonly (ConfigOverride & { flag: keyof ExplorerConfigFlags })[]

export type ResolvedExplorerConfig = {
  config: ExplorerConfig
  /** Absolute path of the config file. */
  file: string
  /** Settings that did not come from the file, and where they came from: `{ 'server.port': '--port' }`. */
  sources: Record<string, string>
}

/**
 * Resolves the explorer's configuration in one place with one precedence: flag > environment
 * (`INFERMESH_*`, `DATABASE_URL`) > config file > default. The file is `--config`, else
 * `INFERMESH_EXPLORER_CONFIG`, else `.infermesh/explorer/explorer.json`, else the explorer of the
 * devnet `infermesh up` runs (`$INFERMESH_DIR/devnet/explorer/explorer.json`). A relative
 * `database.dir` is relative to the file. Validated by `explorerConfigSchema`, every problem at once.
 *
 * @throws ConfigError (the CLI exits 2) when the file is missing, is not JSON, or does not validate.
 */
export function resolveExplorerConfig(params: {
  flags: ExplorerConfigFlags
  env: NodeJS.ProcessEnv
  cwd?: string
}): Promise<ResolvedExplorerConfig> {
  return resolveConfig(
    {
      role: 'explorer',
      schema: explorerConfigSchema,
      overrides: explorerConfigOverrides,
      defaultFile: defaultExplorerConfigFile,
      fileEnv: 'INFERMESH_EXPLORER_CONFIG',
      devnetFile: ['explorer', 'explorer.json'],
      relativePaths: ['database.dir'],
      missingHint: devnetHint(['explorer', 'explorer.json']),
    },
    params,
  )
}
