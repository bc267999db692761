import { ConfigError } from '@infermesh/node/config'
import { CliError, exitCode } from './CliError.js'

/**
 * The exit code of the `infermesh` command for an error that stopped it: a `CliError`'s own, 2 (usage)
 * for a wrong configuration (`ConfigError` of the daemon kit: a missing or invalid config file, a bad
 * log level), and 1 for anything else.
 *
 * @example
 * process.exitCode = exitCodeOf(error)
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode
  if (error instanceof ConfigError) return exitCode.usage
  return exitCode.failed
}
