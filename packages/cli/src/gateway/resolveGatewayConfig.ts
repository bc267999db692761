import { access, readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { usageError } from '../CliError.js'
import { formatConfigIssues } from '../provider/formatConfigIssues.js'
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
  { path: ['payer', 'keystore'], flag: 'keystore', env: ['INFERMESH_KEYSTORE'], file: true },
] as const satisfies readonly {
  path: readonly string[]
  flag: keyof GatewayConfigFlags
  env: readonly string[]
  number?: boolean
  file?: boolean
}[]

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

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Resolves the gateway's configuration, in one place, with one precedence: flag > environment
 * (`INFERMESH_*`) > config file > default. The file is `--config`, else `INFERMESH_GATEWAY_CONFIG`,
 * else `.infermesh/gateway/gateway.json`, else the gateway of the devnet `infermesh up` runs
 * (`$INFERMESH_DIR/devnet/gateway/gateway.json`, `.infermesh` by default). Relative paths inside the file (`database.dir`,
 * `payer.keystore`) are relative to the file's directory. The result is validated by
 * `gatewayFileSchema` (the gateway's `gatewayConfigSchema` plus the payer key); every problem is
 * reported at once, naming the field.
 *
 * @throws CliError (exit 2) when the file is missing, is not JSON, or does not validate.
 * @example
 * ```ts
 * const { config, file, sources } = await resolveGatewayConfig({ flags: { port: '9000' }, env: process.env })
 * ```
 */
export async function resolveGatewayConfig(
  params: ResolveGatewayConfigParams,
): Promise<ResolvedGatewayConfig> {
  const { flags, env } = params
  const cwd = params.cwd ?? process.cwd()
  const fileFrom =
    flags.config !== undefined
      ? '--config'
      : env.INFERMESH_GATEWAY_CONFIG
        ? 'INFERMESH_GATEWAY_CONFIG'
        : undefined
  let file = resolve(cwd, flags.config ?? (env.INFERMESH_GATEWAY_CONFIG || defaultGatewayConfigFile))
  const devnetFile = resolve(cwd, env.INFERMESH_DIR || '.infermesh', 'devnet', 'gateway', 'gateway.json')
  if (!fileFrom && !(await exists(file)) && (await exists(devnetFile))) file = devnetFile
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw usageError(
        `no gateway config at ${file}${fileFrom ? ` (${fileFrom})` : ''}: "infermesh up" writes one for a devnet (in <dir>/devnet/gateway/gateway.json), or pass --config FILE`,
        cause,
      )
    throw usageError(`cannot read the gateway config ${file}: ${(cause as Error).message}`, cause)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw usageError(`the gateway config ${file} is not valid JSON: ${(cause as Error).message}`, cause)
  }
  if (!isObject(raw)) throw usageError(`the gateway config ${file} must be a JSON object`)

  const base = dirname(file)
  const fromFile = (path: unknown) =>
    typeof path === 'string' && path !== '' && !isAbsolute(path) ? resolve(base, path) : path
  const merged = structuredClone(raw)
  if (isObject(merged.database) && 'dir' in merged.database)
    merged.database.dir = fromFile(merged.database.dir)
  if (isObject(merged.payer) && 'keystore' in merged.payer)
    merged.payer.keystore = fromFile(merged.payer.keystore)

  const sources: Record<string, string> = {}
  for (const override of gatewayConfigOverrides) {
    let value: string | undefined
    let source: string | undefined
    const flag = flags[override.flag]
    if (flag !== undefined) {
      value = flag
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
    if (section === 'payer') for (const other of Object.keys(target)) delete target[other] // replaces privateKey too
    target[key] =
      'number' in override
        ? /^\d+$/.test(value)
          ? Number(value)
          : value
        : 'file' in override
          ? resolve(cwd, value)
          : value
    sources[override.path.join('.')] = source
  }

  const result = gatewayFileSchema.safeParse(merged)
  if (!result.success) {
    const lines = formatConfigIssues(gatewayFileSchema, result.error.issues, sources, merged)
    throw usageError(`the gateway config ${file} is invalid:\n${lines.map((line) => `  ${line}`).join('\n')}`)
  }
  return { config: result.data, file, sources }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
