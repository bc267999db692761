import { paymentsAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'
import { ProviderError } from '../errors.js'

export type DepositReaderOptions = {
  publicClient: PublicClient
  payments: Address
  /** How long a read stays fresh. */
  refreshMs: number
}

/**
 * Reads what a payer can still be paid from on-chain: its Payments deposit minus any pending
 * withdrawal, cached for `refreshMs` so the chain is not asked on every request.
 */
export function createDepositReader({ publicClient, payments, refreshMs }: DepositReaderOptions) {
  const cache = new Map<Address, { value: bigint; at: number }>()
  const read = async (payer: Address): Promise<bigint> => {
    const cached = cache.get(payer)
    if (cached && Date.now() - cached.at < refreshMs) return cached.value
    try {
      const [balance, [pending]] = await Promise.all([
        publicClient.readContract({
          address: payments,
          abi: paymentsAbi,
          functionName: 'balanceOf',
          args: [payer],
        }),
        publicClient.readContract({
          address: payments,
          abi: paymentsAbi,
          functionName: 'withdrawal',
          args: [payer],
        }),
      ])
      const value = balance > pending ? balance - pending : 0n
      cache.set(payer, { value, at: Date.now() })
      return value
    } catch (cause) {
      throw new ProviderError('The chain did not answer while checking the payer’s deposit; try again.', {
        status: 503,
        code: 'chain_unavailable',
        retryable: true,
        cause,
      })
    }
  }
  return Object.assign(read, {
    /** Forgets a payer's cached deposit (after a withdrawal request or a redemption). */
    invalidate: (payer?: Address) => (payer ? cache.delete(payer) : cache.clear()),
  })
}
