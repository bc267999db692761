import { CliError } from './CliError.js'

/** ESC [ … letter: what arrow and function keys send. */
const escapeSequence = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z~]`, 'g')

/**
 * Asks a question on the terminal and reads a line without echoing it (for passwords). Needs stdin to
 * be a TTY. Backspace erases, Enter ends, Ctrl-C cancels (exit 130).
 *
 * @example
 * ```ts
 * const password = await promptHidden('Keystore password: ')
 * ```
 */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) throw new Error('promptHidden needs a terminal on stdin')
  process.stderr.write(question)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = ''
      const onData = (chunk: string) => {
        // Drop terminal escape sequences (arrow keys and the like) before reading characters.
        for (const char of chunk.replace(escapeSequence, '')) {
          if (char === '\r' || char === '\n' || char === '\u0004') {
            stdin.off('data', onData)
            return resolve(answer)
          }
          if (char === '\u0003') {
            stdin.off('data', onData)
            return reject(new CliError('cancelled', { exitCode: 130 }))
          }
          if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('')
          else if (char >= ' ') answer += char
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    process.stderr.write('\n')
  }
}
