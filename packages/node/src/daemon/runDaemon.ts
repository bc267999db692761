import type { Logger } from 'pino'
import { ConfigError, type ResolvedConfig } from '../config/resolveConfig.js'
import { BaseError } from '../errors/BaseError.js'
import { maskConfig } from '../secrets/maskConfig.js'
import { maskSecrets } from '../secrets/maskSecrets.js'
import { createShutdown, type Shutdown } from '../shutdown/createShutdown.js'
import { createDaemonLogger, type LogLevel, logLevels } from './createDaemonLogger.js'

/** A daemon did not start: the cause says why. Whatever it had started is stopped again. */
export class DaemonError extends BaseError {
  override name = 'DaemonError' as const
}

/** What `prepare`, `start` and `announce` are given. */
export type DaemonContext<Config, Account> = {
  config: Config
  /** Absolute path of the config file. */
  file: string
  /** The signing account `loadAccount` returned; `undefined` for a daemon without a key. */
  account: Account
  /** The daemon's logger: every line masked (see `createDaemonLogger`). */
  logger: Logger
  /** Each part registers its own cleanup here; it runs in reverse order on a signal or a crash. */
  shutdown: Shutdown
  /** A line for the person watching (standard output). */
  print: (line: string) => void
}

export type RunDaemonOptions<Config, Account extends { address: string } | undefined, Running> = {
  /** The daemon's name in messages and logs: `provider` → "the provider did not start", `infermesh-provider`. */
  name: string
  /** `--log-level` as typed; else `INFERMESH_LOG_LEVEL` from `env`, else `info`. */
  logLevel?: string | undefined
  env: NodeJS.ProcessEnv
  /** Resolves the configuration (flag > environment > file > default), e.g. with `resolveConfig`. */
  resolveConfig: () => Promise<ResolvedConfig<Config>>
  /** Loads the signing key the config names (a keystore may prompt); its address is printed. */
  loadAccount?: (config: Config) => Promise<{ account: Account; origin: string }>
  /** How the account is introduced in the print: `payer 0x… (keystore …)`. Default `account`. */
  accountLabel?: string
  /**
   * Work before the daemon starts (a lock, a directory), whose errors are shown as they are. What it
   * takes, it registers on `context.shutdown`.
   */
  prepare?: (context: DaemonContext<Config, Account>) => Promise<void>
  /** Starts the daemon; registers the cleanup of whatever it started on `context.shutdown`. */
  start: (context: DaemonContext<Config, Account>) => Promise<Running>
  /** The line printed once the daemon is up (before "Press Ctrl-C to stop."). */
  announce?: (running: Running, context: DaemonContext<Config, Account>) => string | Promise<string>
  /** Said on a signal, after "SIGTERM: stopping: ". Default `finishing the work in flight…`. */
  stoppingText?: string
  /** Standard output by default. */
  print?: (line: string) => void
  /** Standard error by default. */
  printError?: (line: string) => void
  /** After a crash, how long the orderly shutdown may take before the process exits anyway. Default 60 s. */
  crashGraceMs?: number
}

type Stop = { reason: string; code: number }

/**
 * The one start path of every daemon (`infermesh provider start`, `gateway start`, `validator start`,
 * `explorer`): checks the log level, resolves the configuration and prints it with its secrets
 * masked, loads the key, creates the masked logger and the shutdown registry, then prepares and
 * starts the daemon. It runs until SIGINT or SIGTERM, then stops every registered part in reverse
 * order and resolves 0. An unhandled rejection or an uncaught exception is logged (masked) and turns
 * into the same orderly shutdown, resolving 1. A second signal exits at once with 1.
 *
 * @returns the exit code: 0 after a signal, 1 after a crash or when a part failed to stop.
 * @throws ConfigError for a bad log level or configuration; the loader's error when the key cannot be
 * loaded; `prepare`'s own error; DaemonError when `start` fails (after stopping what started).
 * @example
 * ```ts
 * process.exitCode = await runDaemon({
 *   name: 'widget', env: process.env, logLevel: flags['log-level'],
 *   resolveConfig: () => resolveConfig(widgetSpec, { flags, env: process.env }),
 *   start: async ({ config, logger, shutdown }) => {
 *     const widget = await startWidget({ config, logger })
 *     shutdown.add('widget', () => widget.close())
 *     return widget
 *   },
 *   announce: (widget) => `widget at ${widget.url}`,
 * })
 * ```
 */
export async function runDaemon<Config, Account extends { address: string } | undefined, Running>(
  options: RunDaemonOptions<Config, Account, Running>,
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line))
  const printError = options.printError ?? ((line: string) => console.error(line))
  const level = logLevelOf(options.logLevel, options.env)

  const { config, file, sources } = await options.resolveConfig()
  const overridden = Object.entries(sources).map(([path, source]) => `${path} from ${source}`)
  print(
    `config ${file}${overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''}\n${JSON.stringify(maskConfig(config), null, 2)}`,
  )
  let account = undefined as Account
  if (options.loadAccount) {
    const loaded = await options.loadAccount(config)
    account = loaded.account
    print(`${options.accountLabel ?? 'account'} ${loaded.account?.address} (${loaded.origin})`)
  }

  const logger = createDaemonLogger({ name: options.name, level })
  const shutdown = createShutdown()
  const context: DaemonContext<Config, Account> = { config, file, account, logger, shutdown, print }

  // Signals and crashes are caught from here on: one during start-up stops the daemon once it is up.
  let stop: Stop | undefined
  let onStop: (stop: Stop) => void = () => {}
  const stopped = new Promise<Stop>((resolve) => {
    onStop = resolve
  })
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop !== undefined) {
      printError(`${signal} again: exiting now, without finishing the shutdown`)
      process.exit(1)
    }
    stop = { reason: signal, code: 0 }
    onStop(stop)
  }
  const graceMs = options.crashGraceMs ?? 60_000
  const onCrash = (kind: string) => (error: unknown) => {
    const message = maskSecrets(error instanceof Error ? error.message : String(error))
    logger.fatal({ err: error }, `${kind}: stopping`)
    printError(`${kind}: ${message}`)
    if (stop !== undefined) {
      stop.code = 1
      return
    }
    stop = { reason: kind, code: 1 }
    onStop(stop)
    setTimeout(() => {
      printError(`the ${options.name} did not stop within ${graceMs / 1000} s of the ${kind}: exiting`)
      process.exit(1)
    }, graceMs).unref()
  }
  const onRejection = onCrash('unhandledRejection')
  const onException = onCrash('uncaughtException')
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  const release = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }

  let running: Running
  try {
    await options.prepare?.(context)
    try {
      running = await options.start(context)
    } catch (cause) {
      throw new DaemonError(`the ${options.name} did not start`, { cause })
    }
  } catch (error) {
    await shutdown.run()
    release()
    throw error
  }
  if (stop === undefined && options.announce) {
    const text = await options.announce(running, context)
    if (stop === undefined) print(`${text}\nPress Ctrl-C to stop.`)
  }

  const final = await stopped
  print(
    final.code === 0
      ? `\n${final.reason}: stopping: ${options.stoppingText ?? 'finishing the work in flight…'}`
      : `\nstopping after the ${final.reason}…`,
  )
  const failures = await shutdown.run()
  for (const failure of failures) {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error)
    logger.error({ err: failure.error, step: failure.name }, `${failure.name} did not stop cleanly`)
    printError(`${failure.name} did not stop cleanly: ${maskSecrets(message)}`)
  }
  release()
  print('stopped.')
  // `final.code` turns 1 when something crashes during the shutdown, too.
  return failures.length > 0 ? 1 : final.code
}

/** The log level from the flag, else `INFERMESH_LOG_LEVEL`, else `info`. */
function logLevelOf(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const level = flag ?? (env.INFERMESH_LOG_LEVEL || 'info')
  if (!(logLevels as readonly string[]).includes(level))
    throw new ConfigError(
      `${flag !== undefined ? '--log-level' : 'INFERMESH_LOG_LEVEL'} must be one of ${logLevels.join(', ')}, got "${level}"`,
    )
  return level as LogLevel
}
