import { paymentsAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { PayerTarget } from './resolvePayer.js'

export type PaymentsWithdrawalParams = {
  target: PayerTarget
  chain: ProviderChain
  log: (line: string) => void
}

export type RequestWithdrawalResult = {
  hash: Hex
  amount: bigint
  /** Chain time (seconds) when `withdraw --complete` may run. */
  unlockAt: bigint
  /** Chain time now. */
  now: bigint
  /** The request this one replaced, when one was pending. */
  replaced?: bigint
}

/**
 * Asks Payments to pay `amount` of the unallocated deposit back after the withdrawal delay; the amount
 * leaves the deposit at once. A pending request is replaced (its amount counts as deposit again) and its
 * delay restarts. Allocated MESH cannot be withdrawn: release it first (`releaseAllocation`).
 *
 * @throws CliError when the unallocated deposit (plus a pending request) is smaller than the amount.
 */
export async function requestWithdrawal(
  params: PaymentsWithdrawalParams & { amount: bigint },
): Promise<RequestWithdrawalResult> {
  const { target, chain, amount, log } = params
  const { payments } = target.contracts
  const me = chain.account.address
  const [deposit, [pending]] = await Promise.all([
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'balanceOf',
      args: [me],
    }),
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'withdrawal',
      args: [me],
    }),
  ])
  if (deposit + pending < amount)
    throw new CliError(
      `the unallocated deposit of ${me} is ${formatEther(deposit + pending)} MESH${pending > 0n ? ' (counting the pending request this one replaces)' : ''}, less than the ${formatEther(amount)} MESH to withdraw; MESH allocated to providers must be released first (infermesh withdraw --release PROVIDER)`,
    )
  const hash = await sendContractCall(
    chain,
    { address: payments, abi: paymentsAbi, functionName: 'requestWithdraw', args: [amount] },
    log,
  )
  const [[, unlockAt], block] = await Promise.all([
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'withdrawal',
      args: [me],
    }),
    chain.publicClient.getBlock(),
  ])
  return {
    hash,
    amount,
    unlockAt: BigInt(unlockAt),
    now: block.timestamp,
    ...(pending > 0n && { replaced: pending }),
  }
}
