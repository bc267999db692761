import { disputesAbi, jobCoordinatorAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'

/** The Disputes window (seconds) of the coordinator's Disputes contract: a delivered job settles after it. */
export async function readDisputeWindow(publicClient: PublicClient, coordinator: Address): Promise<bigint> {
  const disputes = await publicClient.readContract({
    address: coordinator,
    abi: jobCoordinatorAbi,
    functionName: 'disputes',
  })
  const params = await publicClient.readContract({
    address: disputes,
    abi: disputesAbi,
    functionName: 'params',
  })
  return BigInt(params.disputeWindow)
}
