import { CliError } from '../CliError.js'
import { connectChain } from '../payer/resolvePayer.js'
import type { JobTarget } from './resolveJobTarget.js'

/** A read-only connection to the target's chain, with the coordinator checked to have code there. */
export async function connectJobChain({ target, coordinator }: JobTarget) {
  const connection = await connectChain(target)
  const code = await connection.publicClient.getCode({ address: coordinator })
  if (code === undefined || code === '0x')
    throw new CliError(
      `there is no JobCoordinator at ${coordinator} on chain ${connection.chain.id} (${target.rpcUrl}): the ${target.source} belongs to another deployment`,
    )
  return connection
}
