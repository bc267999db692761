import { contractRevert } from '@infermesh/protocol'
import { type Abi, BaseError, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from './connectProviderChain.js'
import { describeRevert } from './describeRevert.js'

/** A contract call as viem's `writeContract` takes it, without account and chain. */
export type ContractCall = {
  address: `0x${string}`
  abi: Abi
  functionName: string
  args?: readonly unknown[]
}

/**
 * Simulates a contract call (so a revert is explained before any gas is spent), sends it signed by the
 * provider, waits for its receipt and logs `functionName txHash`. A revert becomes a `CliError` with
 * the contract's reason in words (`describeRevert`).
 */
export async function sendContractCall(
  chain: ProviderChain,
  call: ContractCall,
  log: (line: string) => void,
): Promise<Hex> {
  const { publicClient, walletClient, account } = chain
  let hash: Hex
  try {
    const { request } = await publicClient.simulateContract({ ...call, account } as never)
    hash = await walletClient.writeContract(request as never)
  } catch (error) {
    const reverted = contractRevert(error)
    if (reverted) {
      const reason = describeRevert(reverted.name, reverted.args)
      throw new CliError(`${call.functionName} would revert: ${reason ?? reverted.name}`, {
        cause: error,
      })
    }
    const short = error instanceof BaseError ? error.shortMessage : (error as Error).message
    if (/insufficient funds/i.test(short))
      throw new CliError(
        `${account.address} has too little ETH to pay the gas of ${call.functionName}: send it some ETH`,
        {
          cause: error,
        },
      )
    throw new CliError(`${call.functionName} failed: ${short}`, { cause: error })
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new CliError(`${call.functionName} transaction ${hash} reverted`)
  log(`${call.functionName.padEnd(16)} ${hash}`)
  return hash
}
