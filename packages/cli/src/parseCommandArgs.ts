import { type ParseArgsConfig, parseArgs } from 'node:util'
import { usageError } from './CliError.js'

type Options = NonNullable<ParseArgsConfig['options']>

function parse<const T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals })
  } catch (error) {
    const message = (error as Error).message
      .replace(/^Unknown option '([^']+)'.*$/s, `unknown option $1 for "infermesh ${command}"`)
      .replace(/^Unexpected argument '([^']+)'.*$/s, `unexpected argument "$1" for "infermesh ${command}"`)
      .replace(/^Option '([^']+)' argument missing$/, '$1 needs a value')
    throw usageError(message, error)
  }
}

/**
 * `node:util` `parseArgs` for one command: strict, no positionals, and errors a person can act on
 * (`unknown option --prot for "infermesh provider start"`) thrown as usage errors (exit 2).
 */
export function parseCommandArgs<const T extends Options>(command: string, argv: string[], options: T) {
  return parse(command, argv, options, false).values
}

/**
 * Like `parseCommandArgs`, for commands that take arguments besides options
 * (`infermesh chat "prompt"`, `infermesh deposit 100`): the options' values and the positionals.
 */
export function parseCommandLine<const T extends Options>(command: string, argv: string[], options: T) {
  const { values, positionals } = parse(command, argv, options, true)
  return { values, positionals }
}
