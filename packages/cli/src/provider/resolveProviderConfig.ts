import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { type ProviderConfig, providerConfigSchema } from '@infermesh/protocol'
import { usageError } from '../CliError.js'
import { formatConfigIssues } from './formatConfigIssues.js'

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
  { path: ['keystore', 'path'], flag: 'keystore', env: ['INFERMESH_KEYSTORE'], file: true },
  { path: ['backend', 'apiKey'], env: ['INFERMESH_UPSTREAM_API_KEY'], upstreamOnly: true },
] as const satisfies readonly {
  path: readonly string[]
  flag?: keyof ProviderConfigFlags
  env: readonly string[]
  number?: boolean
  file?: boolean
  upstreamOnly?: boolean
}[]

export type ResolveProviderConfigParams = {
  flags: ProviderConfigFlags
  env: NodeJS.ProcessEnv
  /** Directory relative flag and environment paths are read from. Default `process.cwd()`. */
  cwd?: string
}

export type ResolvedProviderConfig = {
  config: ProviderConfig
  /** Absolute path of the config file. */
  file: string
  /** Settings that did not come from the file, and where they came from: `{ 'server.port': '--port' }`. */
  sources: Record<string, string>
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Resolves the provider's configuration, in one place, with one precedence: flag > environment
 * (`INFERMESH_*`) > config file > default. The file is `--config`, else `INFERMESH_PROVIDER_CONFIG`,
 * else `.infermesh/provider/provider.json`. Relative paths inside the file (keystore, models, database
 * directory) are relative to the file's directory, so a provider directory can move as a whole. The
 * result is validated by `providerConfigSchema`; every problem is reported at once, naming the field.
 *
 * @throws CliError (exit 2) when the file is missing, is not JSON, or does not validate.
 * @example
 * ```ts
 * const { config, file, sources } = await resolveProviderConfig({ flags: { port: '9000' }, env: process.env })
 * ```
 */
export async function resolveProviderConfig(
  params: ResolveProviderConfigParams,
): Promise<ResolvedProviderConfig> {
  const { flags, env } = params
  const cwd = params.cwd ?? process.cwd()
  const fileFrom =
    flags.config !== undefined
      ? '--config'
      : env.INFERMESH_PROVIDER_CONFIG
        ? 'INFERMESH_PROVIDER_CONFIG'
        : undefined
  const file = resolve(cwd, flags.config ?? (env.INFERMESH_PROVIDER_CONFIG || defaultProviderConfigFile))
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw usageError(
        `no provider config at ${file}${fileFrom ? ` (${fileFrom})` : ''}: create one with "infermesh provider init", or pass --config FILE`,
        cause,
      )
    throw usageError(`cannot read the provider config ${file}: ${(cause as Error).message}`, cause)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw usageError(`the provider config ${file} is not valid JSON: ${(cause as Error).message}`, cause)
  }
  if (!isObject(raw)) throw usageError(`the provider config ${file} must be a JSON object`)

  const base = dirname(file)
  const fromFile = (path: unknown) =>
    typeof path === 'string' && path !== '' && !isAbsolute(path) ? resolve(base, path) : path
  const merged = structuredClone(raw)
  if (isObject(merged.keystore) && 'path' in merged.keystore)
    merged.keystore.path = fromFile(merged.keystore.path)
  if (isObject(merged.database) && 'dir' in merged.database)
    merged.database.dir = fromFile(merged.database.dir)
  if (isObject(merged.backend) && merged.backend.kind === 'llama' && Array.isArray(merged.backend.models))
    for (const model of merged.backend.models)
      if (isObject(model) && 'path' in model) model.path = fromFile(model.path)

  const sources: Record<string, string> = {}
  for (const override of providerConfigOverrides) {
    let value: string | undefined
    let source: string | undefined
    const flag = 'flag' in override ? flags[override.flag] : undefined
    if (flag !== undefined) {
      value = flag
      source = `--${'flag' in override ? override.flag : ''}`
    } else {
      const name = override.env.find((variable) => env[variable] !== undefined && env[variable] !== '')
      if (name) {
        value = env[name]
        source = name
      }
    }
    if (value === undefined || source === undefined) continue
    if (
      'upstreamOnly' in override &&
      !(isObject(merged.backend) && merged.backend.kind === 'openai-compatible')
    )
      continue
    const [section, key] = override.path
    const target = isObject(merged[section]) ? merged[section] : {}
    merged[section] = target
    if (section === 'keystore') for (const other of Object.keys(target)) delete target[other] // replaces privateKey too
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

  const result = providerConfigSchema.safeParse(merged)
  if (!result.success) {
    const lines = formatConfigIssues(providerConfigSchema, result.error.issues, sources, merged)
    throw usageError(
      `the provider config ${file} is invalid:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    )
  }
  return { config: result.data, file, sources }
}
