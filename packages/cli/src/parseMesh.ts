import { parseEther } from 'viem'
import { usageError } from './CliError.js'

/**
 * An amount of MESH as typed (`1000`, `0.5`) in wei. `what` names the flag for the error message.
 *
 * @example
 * ```ts
 * parseMesh('1.5', '--stake') // 1500000000000000000n
 * ```
 */
export function parseMesh(value: string, what: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value))
    throw usageError(`${what} must be an amount of MESH, like 1000 or 0.5`)
  return parseEther(value)
}
