import { type Address, getAddress, isAddress } from 'viem'
import { usageError } from '../CliError.js'
import { type PayerFlags, type PayerTarget, resolvePayer } from '../payer/resolvePayer.js'

/** The chain, the requester (the payer) and the JobCoordinator the `job` commands work with. */
export type JobTarget = { target: PayerTarget; coordinator: Address }

/**
 * The payer target (`resolvePayer`: devnet file or gateway config) and the JobCoordinator: `--coordinator`,
 * else `contracts.jobCoordinator` of the file.
 *
 * @throws CliError (exit 2) when no coordinator is known or the address is malformed.
 */
export async function resolveJobTarget(flags: PayerFlags & { coordinator?: string }): Promise<JobTarget> {
  const target = await resolvePayer({ flags, env: process.env })
  const given = flags.coordinator ?? target.contracts.jobCoordinator
  if (!given)
    throw usageError(
      `the ${target.source} names no JobCoordinator (contracts.jobCoordinator): pass --coordinator ADDRESS, or restart the devnet with a version that deploys it`,
    )
  if (!isAddress(given)) throw usageError(`--coordinator must be a 0x address, not ${given}`)
  return { target, coordinator: getAddress(given) }
}

/** The `--coordinator` option of the job commands and its help line. */
export const coordinatorOption = { coordinator: { type: 'string' } } as const
export const coordinatorOptionHelp =
  '  --coordinator ADDR    the JobCoordinator (default: contracts.jobCoordinator of the file)'
