import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { PayerTarget } from './resolvePayer.js'

export type DepositToPaymentsParams = {
  target: PayerTarget
  chain: ProviderChain
  /** MESH wei to add to the deposit. */
  amount: bigint
  log: (line: string) => void
}

export type DepositToPaymentsResult = { transactions: Hex[]; deposit: bigint; wallet: bigint }

/**
 * Adds MESH from the payer's wallet to its deposit in Payments (approving Payments first when its
 * allowance is short). Providers serve the payer against the deposit.
 *
 * @throws CliError when the wallet holds less MESH than the amount.
 */
export async function depositToPayments(params: DepositToPaymentsParams): Promise<DepositToPaymentsResult> {
  const { target, chain, amount, log } = params
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
      { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] },
      log,
    ),
  )
  const [deposit, wallet] = await Promise.all([
    read<bigint>(payments, paymentsAbi, 'balanceOf', [me]),
    read<bigint>(token, meshTokenAbi, 'balanceOf', [me]),
  ])
  return { transactions, deposit, wallet }
}
