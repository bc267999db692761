import { access, readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { z } from 'zod'
import { usageError } from '../CliError.js'
import { formatConfigIssues } from '../provider/formatConfigIssues.js'

/** A setting a flag or environment variable may override, in precedence order flag > each variable. */
export type ConfigOverride = {
  /** Section and key in the file, e.g. ['server', 'port']. */
  path: readonly [string, string]
  flag: string
  env: readonly string[]
  /** A whole number when it looks like one. */
  number?: boolean
  /** A path: resolved against the working directory. */
  file?: boolean
  /** Setting it replaces every other key of its section (a key source replaces `privateKey`). */
  replacesSection?: boolean
}

export type DaemonConfigSpec<S extends z.ZodType> = {
  /** The daemon's name in messages: "gateway", "validator". */
  role: string
  schema: S
  overrides: readonly ConfigOverride[]
  /** Default file, relative to the working directory. */
  defaultFile: string
  /** Environment variable naming the file. */
  fileEnv: string
  /** The devnet's file under `$INFERMESH_DIR/devnet` (`infermesh up` writes it), e.g. ['gateway', 'gateway.json']. */
  devnetFile: readonly string[]
  /** [section, key] paths inside the file that are relative to the file's directory. */
  relativePaths: readonly (readonly [string, string])[]
}

export type ResolveDaemonConfigParams = {
  flags: Record<string, string | undefined>
  env: NodeJS.ProcessEnv
  /** Directory relative flag and environment paths are read from. Default `process.cwd()`. */
  cwd?: string
}

export type ResolvedDaemonConfig<T> = {
  config: T
  /** Absolute path of the config file. */
  file: string
  /** Settings that did not come from the file, and where they came from: `{ 'server.port': '--port' }`. */
  sources: Record<string, string>
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Resolves a daemon's configuration in one place with one precedence: flag > environment (`INFERMESH_*`)
 * > config file > default. The file is `--config`, else the `fileEnv` variable, else `defaultFile`,
 * else the devnet's (`$INFERMESH_DIR/devnet/…`, `.infermesh` by default). Relative paths inside the
 * file are relative to the file's directory. Every schema problem is reported at once, naming the field.
 *
 * @throws CliError (exit 2) when the file is missing, is not JSON, or does not validate.
 */
export async function resolveDaemonConfig<S extends z.ZodType>(
  spec: DaemonConfigSpec<S>,
  params: ResolveDaemonConfigParams,
): Promise<ResolvedDaemonConfig<z.output<S>>> {
  const { flags, env } = params
  const cwd = params.cwd ?? process.cwd()
  const fileFrom = flags.config !== undefined ? '--config' : env[spec.fileEnv] ? spec.fileEnv : undefined
  let file = resolve(cwd, flags.config ?? (env[spec.fileEnv] || spec.defaultFile))
  const devnetFile = resolve(cwd, env.INFERMESH_DIR || '.infermesh', 'devnet', ...spec.devnetFile)
  if (!fileFrom && !(await exists(file)) && (await exists(devnetFile))) file = devnetFile
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw usageError(
        `no ${spec.role} config at ${file}${fileFrom ? ` (${fileFrom})` : ''}: "infermesh up" writes one for a devnet (in <dir>/devnet/${spec.devnetFile.join('/')}), or pass --config FILE`,
        cause,
      )
    throw usageError(`cannot read the ${spec.role} config ${file}: ${(cause as Error).message}`, cause)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw usageError(`the ${spec.role} config ${file} is not valid JSON: ${(cause as Error).message}`, cause)
  }
  if (!isObject(raw)) throw usageError(`the ${spec.role} config ${file} must be a JSON object`)

  const base = dirname(file)
  const merged = structuredClone(raw)
  for (const [section, key] of spec.relativePaths) {
    const target = merged[section]
    if (isObject(target) && typeof target[key] === 'string' && target[key] !== '' && !isAbsolute(target[key]))
      target[key] = resolve(base, target[key])
  }

  const sources: Record<string, string> = {}
  for (const override of spec.overrides) {
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
    if (override.replacesSection) for (const other of Object.keys(target)) delete target[other]
    target[key] = override.number
      ? /^\d+$/.test(value)
        ? Number(value)
        : value
      : override.file
        ? resolve(cwd, value)
        : value
    sources[override.path.join('.')] = source
  }

  const result = spec.schema.safeParse(merged)
  if (!result.success) {
    const lines = formatConfigIssues(spec.schema as never, result.error.issues, sources, merged)
    throw usageError(
      `the ${spec.role} config ${file} is invalid:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    )
  }
  return { config: result.data, file, sources }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
