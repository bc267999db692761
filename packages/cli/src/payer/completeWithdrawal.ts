import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import { formatDuration } from '../formatDuration.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { PaymentsWithdrawalParams } from './requestWithdrawal.js'

export type CompleteWithdrawalResult = { hash: Hex; amount: bigint; deposit: bigint; wallet: bigint }

/**
 * Pays out the pending withdrawal once its delay has passed.
 *
 * @throws CliError when none is pending, or it has not unlocked yet (saying when it does).
 */
export async function completeWithdrawal(
  params: PaymentsWithdrawalParams,
): Promise<CompleteWithdrawalResult> {
  const { target, chain, log } = params
  const { payments, token } = target.contracts
  const me = chain.account.address
  const [[amount, unlockAt], block, before] = await Promise.all([
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'withdrawal',
      args: [me],
    }),
    chain.publicClient.getBlock(),
    chain.publicClient.readContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [me],
    }),
  ])
  if (amount === 0n)
    throw new CliError(`${me} has no withdrawal pending: request one first with "infermesh withdraw MESH"`)
  if (block.timestamp < BigInt(unlockAt))
    throw new CliError(
      `the withdrawal of ${formatEther(amount)} MESH unlocks at ${new Date(Number(unlockAt) * 1000).toISOString()} (in ${formatDuration(BigInt(unlockAt) - block.timestamp)}, chain time): run "infermesh withdraw --complete" then`,
    )
  const hash = await sendContractCall(
    chain,
    { address: payments, abi: paymentsAbi, functionName: 'withdraw' },
    log,
  )
  const [deposit, wallet] = await Promise.all([
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'balanceOf',
      args: [me],
    }),
    chain.publicClient.readContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [me],
    }),
  ])
  return { hash, amount: wallet - before, deposit, wallet }
}
