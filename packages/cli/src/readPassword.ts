import { readFile } from 'node:fs/promises'
import { usageError } from './CliError.js'
import { promptHidden } from './promptHidden.js'

export type ReadPasswordParams = {
  /** `--password-file`, when given. */
  passwordFile?: string
  env: NodeJS.ProcessEnv
  /** What the prompt asks, e.g. `Password of keystore.json: `. */
  prompt: string
  /** Ask twice and compare (for a new keystore). */
  confirm?: boolean
}

/** A password and where it came from, for messages (`in INFERMESH_KEYSTORE_PASSWORD`). */
export type Password = { password: string; source: string }

/**
 * The keystore password, from the first of: `--password-file FILE`, `INFERMESH_KEYSTORE_PASSWORD_FILE`,
 * `INFERMESH_KEYSTORE_PASSWORD`, or a hidden prompt when stdin is a terminal. A password file's trailing
 * newline is dropped. Without any of them (a daemon with no terminal) it throws a usage error saying
 * what to set.
 */
export async function readPassword(params: ReadPasswordParams): Promise<Password> {
  const file = params.passwordFile ?? params.env.INFERMESH_KEYSTORE_PASSWORD_FILE
  if (file !== undefined && file !== '') {
    const origin = params.passwordFile !== undefined ? '--password-file' : 'INFERMESH_KEYSTORE_PASSWORD_FILE'
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (cause) {
      throw usageError(
        `cannot read the password file ${file} (${origin}): ${(cause as Error).message}`,
        cause,
      )
    }
    return { password: text.replace(/\r?\n$/, ''), source: `in ${file} (${origin})` }
  }
  const fromEnv = params.env.INFERMESH_KEYSTORE_PASSWORD
  if (fromEnv !== undefined && fromEnv !== '')
    return { password: fromEnv, source: 'in INFERMESH_KEYSTORE_PASSWORD' }
  if (!process.stdin.isTTY)
    throw usageError(
      'the keystore needs a password and there is no terminal to ask it on: set INFERMESH_KEYSTORE_PASSWORD or INFERMESH_KEYSTORE_PASSWORD_FILE, or pass --password-file FILE',
    )
  const password = await promptHidden(params.prompt)
  if (params.confirm) {
    const again = await promptHidden('Repeat the password: ')
    if (again !== password) throw usageError('the two passwords differ; nothing was written')
  }
  return { password, source: 'you typed' }
}
