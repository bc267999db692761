import { parseUnits } from 'viem'
import { usageError } from '../CliError.js'

/**
 * An amount of shares as typed (`1000`, `0.25`) in the token's 18-decimal units. `what` names the
 * argument for the error message.
 *
 * @example
 * ```ts
 * parseShares('1.5', 'the shares') // 1500000000000000000n
 * ```
 */
export function parseShares(value: string, what: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value))
    throw usageError(`${what} must be a number of shares, like 1000 or 0.5`)
  const amount = parseUnits(value, 18)
  if (amount === 0n) throw usageError(`${what} must be more than 0`)
  return amount
}
