/** Exit codes of the `infermesh` command. */
export const exitCode = {
  /** The command failed; the message says why (chain unreachable, wrong password, not enough MESH…). */
  failed: 1,
  /** The command line or a configuration file is wrong; nothing was done. */
  usage: 2,
} as const

/**
 * The error of the CLI: a message a person can act on, the exit code, and the cause it wraps. Usage
 * errors (exit 2) are the person's input; anything else (exit 1) happened while doing the work.
 */
export class CliError extends Error {
  override name = 'CliError' as const
  readonly exitCode: number

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.exitCode = options.exitCode ?? exitCode.failed
  }
}

/** A usage error: a wrong flag, environment variable or configuration file (exit code 2). */
export const usageError = (message: string, cause?: unknown) =>
  new CliError(message, { exitCode: exitCode.usage, cause })
