import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { Allocation } from './allocations.js'
import type { PayerTarget } from './resolvePayer.js'

export type DepositToPaymentsParams = {
  target: PayerTarget
  chain: ProviderChain
  /** MESH wei to add to the deposit. */
  amount: bigint
  /** Parts of it to allocate to providers in the same transaction (`depositAndAllocate`). */
  allocations?: readonly Allocation[]
  log: (line: string) => void
}

export type DepositToPaymentsResult = { transactions: Hex[]; deposit: bigint; wallet: bigint }

/**
 * Adds MESH from the payer's wallet to its deposit in Payments (approving Payments first when its
 * allowance is short), allocating parts of it to providers in the same transaction when asked. A
 * provider serves the payer against its allocation to that provider only; the unallocated deposit backs
 * no one until allocated.
 *
 * @throws CliError when the wallet holds less MESH than the amount, or the allocations exceed it.
 */
export async function depositToPayments(params: DepositToPaymentsParams): Promise<DepositToPaymentsResult> {
  const { target, chain, amount, log } = params
  const allocations = params.allocations ?? []
  const allocated = allocations.reduce((sum, a) => sum + a.amount, 0n)
  const { token, payments } = target.contracts
  const me = chain.account.address
  const read = <T>(address: Hex, abi: unknown, functionName: string, args: readonly unknown[]) =>
    chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const [balance, allowance] = await Promise.all([
    read<bigint>(token, meshTokenAbi, 'balanceOf', [me]),
    read<bigint>(token, meshTokenAbi, 'allowance', [me, payments]),
  ])
  if (balance < amount)
    throw new CliError(
      `${me} holds ${formatEther(balance)} MESH, less than the ${formatEther(amount)} MESH to deposit: get MESH sent to it first`,
    )
  if (allocated > amount)
    throw new CliError(
      `the allocations add up to ${formatEther(allocated)} MESH, more than the ${formatEther(amount)} MESH deposited (allocate the rest of an existing deposit with infermesh deposit --allocate …)`,
    )
  const transactions: Hex[] = []
  if (allowance < amount)
    transactions.push(
      await sendContractCall(
        chain,
        { address: token, abi: meshTokenAbi, functionName: 'approve', args: [payments, amount] },
        log,
      ),
    )
  transactions.push(
    await sendContractCall(
      chain,
      allocations.length > 0
        ? {
            address: payments,
            abi: paymentsAbi,
            functionName: 'depositAndAllocate',
            args: [amount, allocations.map((a) => ({ provider: a.provider, amount: a.amount }))],
          }
        : { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] },
      log,
    ),
  )
  const [deposit, wallet] = await Promise.all([
    read<bigint>(payments, paymentsAbi, 'balanceOf', [me]),
    read<bigint>(token, meshTokenAbi, 'balanceOf', [me]),
  ])
  return { transactions, deposit, wallet }
}
