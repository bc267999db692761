import { access, readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { usageError } from '../CliError.js'
import { type ExplorerConfig, explorerConfigSchema } from '../explorerPackage.js'
import { formatConfigIssues } from '../provider/formatConfigIssues.js'

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
] as const satisfies readonly {
  path: readonly string[]
  flag: keyof ExplorerConfigFlags
  env: readonly string[]
  number?: boolean
}[]

export type ResolvedExplorerConfig = {
  config: ExplorerConfig
  /** Absolute path of the config file. */
  file: string
  /** Settings that did not come from the file, and where they came from: `{ 'server.port': '--port' }`. */
  sources: Record<string, string>
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

/**
 * Resolves the explorer's configuration in one place with one precedence: flag > environment
 * (`INFERMESH_*`, `DATABASE_URL`) > config file > default. The file is `--config`, else
 * `INFERMESH_EXPLORER_CONFIG`, else `.infermesh/explorer/explorer.json`, else the explorer of the
 * devnet `infermesh up` runs (`$INFERMESH_DIR/devnet/explorer/explorer.json`). A relative
 * `database.dir` is relative to the file. Validated by `explorerConfigSchema`, every problem at once.
 *
 * @throws CliError (exit 2) when the file is missing, is not JSON, or does not validate.
 */
export async function resolveExplorerConfig(params: {
  flags: ExplorerConfigFlags
  env: NodeJS.ProcessEnv
  cwd?: string
}): Promise<ResolvedExplorerConfig> {
  const { flags, env } = params
  const cwd = params.cwd ?? process.cwd()
  const fileFrom =
    flags.config !== undefined
      ? '--config'
      : env.INFERMESH_EXPLORER_CONFIG
        ? 'INFERMESH_EXPLORER_CONFIG'
        : undefined
  let file = resolve(cwd, flags.config ?? (env.INFERMESH_EXPLORER_CONFIG || defaultExplorerConfigFile))
  const devnetFile = resolve(cwd, env.INFERMESH_DIR || '.infermesh', 'devnet', 'explorer', 'explorer.json')
  if (!fileFrom && !(await exists(file)) && (await exists(devnetFile))) file = devnetFile
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw usageError(
        `no explorer config at ${file}${fileFrom ? ` (${fileFrom})` : ''}: "infermesh up" writes one for a devnet (in <dir>/devnet/explorer/explorer.json), or pass --config FILE`,
        cause,
      )
    throw usageError(`cannot read the explorer config ${file}: ${(cause as Error).message}`, cause)
  }
  if (!isObject(raw)) throw usageError(`the explorer config ${file} must be a JSON object`)
  const merged = structuredClone(raw)
  if (isObject(merged.database) && typeof merged.database.dir === 'string' && merged.database.dir !== '')
    if (!isAbsolute(merged.database.dir)) merged.database.dir = resolve(dirname(file), merged.database.dir)

  const sources: Record<string, string> = {}
  for (const override of explorerConfigOverrides) {
    let value: string | undefined
    let source: string | undefined
    if (flags[override.flag] !== undefined) {
      value = flags[override.flag]
      source = `--${override.flag}`
    } else {
      const name = override.env.find((variable) => env[variable] !== undefined && env[variable] !== '')
      if (name) {
        value = env[name]
        source = name
      }
    }
    if (value === undefined || source === undefined) continue
    const [section, key] = override.path
    const target = isObject(merged[section]) ? merged[section] : {}
    merged[section] = target
    target[key] = 'number' in override && /^\d+$/.test(value) ? Number(value) : value
    sources[override.path.join('.')] = source
  }
  const result = explorerConfigSchema.safeParse(merged)
  if (!result.success) {
    const lines = formatConfigIssues(explorerConfigSchema, result.error.issues, sources, merged)
    throw usageError(
      `the explorer config ${file} is invalid:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    )
  }
  return { config: result.data, file, sources }
}
