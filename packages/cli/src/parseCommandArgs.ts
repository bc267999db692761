import { type ParseArgsConfig, parseArgs } from 'node:util'
import { usageError } from './CliError.js'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * `node:util` `parseArgs` for one command: strict, no positionals, and errors a person can act on
 * (`unknown option --prot for "infermesh provider start"`) thrown as usage errors (exit 2).
 */
export function parseCommandArgs<const T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    const message = (error as Error).message
      .replace(/^Unknown option '([^']+)'.*$/s, `unknown option $1 for "infermesh ${command}"`)
      .replace(/^Unexpected argument '([^']+)'.*$/s, `unexpected argument "$1" for "infermesh ${command}"`)
      .replace(/^Option '([^']+)' argument missing$/, '$1 needs a value')
    throw usageError(message, error)
  }
}
