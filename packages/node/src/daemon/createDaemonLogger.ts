import pino, { type DestinationStream, type Logger } from 'pino'
import { maskSecrets } from '../secrets/maskSecrets.js'

/** The levels a daemon's log may be set to, most severe first. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

export type CreateDaemonLoggerOptions = {
  /** The daemon's name: `provider` logs as `infermesh-provider`. */
  name: string
  level: LogLevel
  /** Where lines go. Default standard output. */
  destination?: DestinationStream
}

/**
 * A daemon's pino logger whose every line passes through `maskSecrets` after it is serialized
 * (pino's `streamWrite` hook), so a password or an API key in a URL never reaches the log, whichever
 * field holds it: the message, an error's message or stack, or any object logged.
 *
 * @example
 * const logger = createDaemonLogger({ name: 'gateway', level: 'info' })
 * logger.warn({ rpcUrl }, 'the chain did not answer') // rpcUrl's key is masked
 */
export function createDaemonLogger(options: CreateDaemonLoggerOptions): Logger {
  const settings = {
    name: `infermesh-${options.name}`,
    level: options.level,
    hooks: { streamWrite: maskSecrets },
  }
  return options.destination ? pino(settings, options.destination) : pino(settings)
}
