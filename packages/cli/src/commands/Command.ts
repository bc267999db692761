/**
 * One `infermesh` command. `run` gets the arguments after the command's name (never `--help`, which
 * prints `usage`) and resolves with the process's exit code: at once for one-shot commands, after a
 * signal for daemons. It throws `CliError` for anything a person must fix.
 */
export type Command = {
  /** Words that select it, e.g. `provider init`. */
  name: string
  /** One line for the list of commands. */
  summary: string
  /** The full `--help` text. */
  usage: string
  run: (argv: string[]) => Promise<number>
}
