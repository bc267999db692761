import { access, readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { z } from 'zod'
import { BaseError } from '../errors/BaseError.js'
import { formatConfigIssues } from './formatConfigIssues.js'

/**
 * A daemon's configuration is wrong: its file is missing, is not JSON or does not validate, or a flag
 * or environment variable has a bad value. Nothing was started; the message says what to fix. The
 * CLI exits 2 on it, like on any other usage error.
 */
export class ConfigError extends BaseError {
  override name = 'ConfigError' as const
}

/** A setting a flag or environment variable may override, in precedence order flag > each variable. */
export type ConfigOverride = {
  /** Section and key in the file, e.g. ['server', 'port']. */
  path: readonly [string, string]
  /** The flag's name without dashes (`port` for `--port`); none for a setting only the environment sets. */
  flag?: string
  env: readonly string[]
  /** A whole number when it looks like one. */
  number?: boolean
  /** A path: resolved against the working directory. */
  file?: boolean
  /** Setting it replaces every other key of its section (a key source replaces `privateKey`). */
  replacesSection?: boolean
  /**
   * Applies only when this holds for the settings read so far (e.g. an upstream API key only for an
   * upstream backend); otherwise the flag or variable is ignored.
   */
  when?: (settings: Record<string, unknown>) => boolean
}

export type ConfigSpec<S extends z.ZodType> = {
  /** The daemon's name in messages: "gateway", "validator". */
  role: string
  schema: S
  overrides: readonly ConfigOverride[]
  /** Default file, relative to the working directory. */
  defaultFile: string
  /** Environment variable naming the file. */
  fileEnv: string
  /**
   * The devnet's file under `$INFERMESH_DIR/devnet` (`infermesh up` writes it), e.g.
   * ['gateway', 'gateway.json'], read when neither `--config`, `fileEnv` nor `defaultFile` names one.
   */
  devnetFile?: readonly string[]
  /**
   * Paths inside the file that are relative to the file's directory, dotted, `[]` for every item of a
   * list: `database.dir`, `backend.models[].path`.
   */
  relativePaths: readonly string[]
  /** What to do when there is no file, after "no gateway config at FILE: ": `pass --config FILE`. */
  missingHint: string
}

export type ResolveConfigParams = {
  /** Flags as typed (`config` names the file); absent ones undefined. */
  flags: Readonly<Record<string, string | undefined>>
  env: NodeJS.ProcessEnv
  /** Directory relative flag and environment paths are read from. Default `process.cwd()`. */
  cwd?: string
}

export type ResolvedConfig<T> = {
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
 * else the devnet's (`$INFERMESH_DIR/devnet/…`, `.infermesh` by default) when the spec names one.
 * Relative paths inside the file are relative to the file's directory; relative paths in flags and
 * variables, to the working directory. Every schema problem is reported at once, naming the field
 * and, for an overridden one, the flag or variable it came from.
 *
 * @throws ConfigError when the file is missing, is not JSON, or does not validate.
 * @example
 * ```ts
 * const { config, file, sources } = await resolveConfig(
 *   { role: 'gateway', schema, overrides: [{ path: ['server', 'port'], flag: 'port', env: ['PORT'], number: true }],
 *     defaultFile: 'gateway.json', fileEnv: 'GATEWAY_CONFIG', relativePaths: ['database.dir'],
 *     missingHint: 'pass --config FILE' },
 *   { flags: { port: '9000' }, env: process.env },
 * )
 * ```
 */
export async function resolveConfig<S extends z.ZodType>(
  spec: ConfigSpec<S>,
  params: ResolveConfigParams,
): Promise<ResolvedConfig<z.output<S>>> {
  const { flags, env } = params
  const cwd = params.cwd ?? process.cwd()
  const fileFrom = flags.config !== undefined ? '--config' : env[spec.fileEnv] ? spec.fileEnv : undefined
  let file = resolve(cwd, flags.config ?? (env[spec.fileEnv] || spec.defaultFile))
  if (!fileFrom && spec.devnetFile && !(await exists(file))) {
    const devnetFile = resolve(cwd, env.INFERMESH_DIR || '.infermesh', 'devnet', ...spec.devnetFile)
    if (await exists(devnetFile)) file = devnetFile
  }
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new ConfigError(
        `no ${spec.role} config at ${file}${fileFrom ? ` (${fileFrom})` : ''}: ${spec.missingHint}`,
        { cause },
      )
    throw new ConfigError(`cannot read the ${spec.role} config ${file}: ${(cause as Error).message}`, {
      cause,
    })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    throw new ConfigError(`the ${spec.role} config ${file} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    })
  }
  if (!isObject(raw)) throw new ConfigError(`the ${spec.role} config ${file} must be a JSON object`)

  const base = dirname(file)
  const merged = structuredClone(raw)
  for (const path of spec.relativePaths) resolveRelative(merged, path.split('.'), base)

  const sources: Record<string, string> = {}
  for (const override of spec.overrides) {
    let value: string | undefined
    let source: string | undefined
    const flag = override.flag === undefined ? undefined : flags[override.flag]
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
    if (override.when && !override.when(merged)) continue
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
    const lines = formatConfigIssues(spec.schema, result.error.issues, sources, merged)
    throw new ConfigError(
      `the ${spec.role} config ${file} is invalid:\n${lines.map((line) => `  ${line}`).join('\n')}`,
    )
  }
  return { config: result.data, file, sources }
}

/** Resolves the relative path at `parts` (`models[]`, `path`) inside `value` against `base`, in place. */
function resolveRelative(value: unknown, parts: string[], base: string): void {
  const [part, ...rest] = parts
  if (part === undefined || !isObject(value)) return
  const list = part.endsWith('[]')
  const key = list ? part.slice(0, -2) : part
  if (!(key in value)) return
  const child = value[key]
  if (list) {
    if (Array.isArray(child)) for (const item of child) resolveRelative(item, rest, base)
    return
  }
  if (rest.length > 0) resolveRelative(child, rest, base)
  else if (typeof child === 'string' && child !== '' && !isAbsolute(child)) value[key] = resolve(base, child)
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
