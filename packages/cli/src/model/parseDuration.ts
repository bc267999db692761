import { usageError } from '../CliError.js'

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/**
 * A duration as typed (`90s`, `30m`, `12h`, `7d`, or plain seconds) in seconds. `what` names the flag.
 *
 * @example
 * ```ts
 * parseDuration('7d', '--duration') // 604800n
 * ```
 */
export function parseDuration(value: string, what: string): bigint {
  const match = /^(\d{1,9})([smhd]?)$/.exec(value)
  if (!match) throw usageError(`${what} must be a duration like 3600, 90s, 30m, 12h or 7d`)
  const seconds = BigInt(match[1] ?? '0') * BigInt(unitSeconds[match[2] || 's'] ?? 1)
  if (seconds === 0n) throw usageError(`${what} must be longer than 0 s`)
  return seconds
}
