import { paymentsAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'
import { PaymentError } from '../PaymentError.js'

export type AllocationReaderOptions = {
  publicClient: PublicClient
  payments: Address
  /** This provider: the allocation read is the payer's to it. */
  provider: Address
  /** How long a read stays fresh. */
  refreshMs: number
}

/**
 * What a payer's work at this provider can be paid from: its allocation to this provider
 * (`Payments.allocationOf`) minus what it asked to release. Redemptions draw only on the allocation, and
 * the part being released may leave at `releaseAt`, so new work is never counted against it (the settler
 * redeems what is owed before then). The deposit itself backs no provider. Cached for `refreshMs`.
 */
export function createAllocationReader({
  publicClient,
  payments,
  provider,
  refreshMs,
}: AllocationReaderOptions) {
  const cache = new Map<Address, { value: bigint; at: number }>()
  const read = async (payer: Address): Promise<bigint> => {
    const cached = cache.get(payer)
    if (cached && Date.now() - cached.at < refreshMs) return cached.value
    // Fresh from when the read was sent, not when it came back: a slow answer (a loaded chain) may
    // predate a release mined meanwhile, and must not count as fresh for a whole period after it.
    const sent = Date.now()
    try {
      const [amount, releasing] = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payer, provider],
      })
      const value = amount > releasing ? amount - releasing : 0n
      cache.set(payer, { value, at: sent })
      return value
    } catch (cause) {
      throw new PaymentError('The chain did not answer while checking the payer’s allocation; try again.', {
        status: 503,
        code: 'chain_unavailable',
        retryable: true,
        cause,
      })
    }
  }
  return Object.assign(read, {
    /** Forgets a payer's cached allocation (after a release request or a redemption). */
    invalidate: (payer?: Address) => (payer ? cache.delete(payer) : cache.clear()),
  })
}
