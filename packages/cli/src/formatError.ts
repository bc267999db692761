import { ConfigError } from '@infermesh/node/config'
import { CliError } from './CliError.js'

/**
 * One line a person can read for any error: the message and the first line of each cause, joined by
 * `: ` — `No EVM node answered at http://…: is the chain running?: fetch failed`. The message of a
 * `CliError` or a `ConfigError` is already written for a person, so its causes are left out.
 */
export function formatError(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError) return error.message
  const parts: string[] = []
  for (let e: unknown = error; e !== undefined && parts.length < 6; e = (e as Error).cause) {
    if (!(e instanceof Error)) {
      parts.push(String(e))
      break
    }
    // viem puts details after a blank line; the first line is its "short message".
    const line = (e as Error & { shortMessage?: string }).shortMessage ?? e.message.split('\n')[0] ?? ''
    if (line !== '' && !parts.includes(line)) parts.push(line)
    if (e instanceof CliError || e instanceof ConfigError) break
  }
  return parts.join(': ')
}
