import { type ProviderConfig, registryAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import { formatDuration } from '../formatDuration.js'
import type { ProviderChain } from './connectProviderChain.js'
import { sendContractCall } from './sendContractCall.js'

export type WithdrawStakeParams = {
  config: ProviderConfig
  chain: ProviderChain
  log: (line: string) => void
}

export type WithdrawStakeResult = { hash: Hex; amount: bigint }

/**
 * Pays the provider's unbonded stake back to it once the unbonding period has ended and no open dispute
 * freezes it.
 *
 * @throws CliError when nothing is unbonding, it has not unlocked yet (saying when it does), or open
 * disputes freeze it.
 */
export async function withdrawStake(params: WithdrawStakeParams): Promise<WithdrawStakeResult> {
  const { config, chain, log } = params
  const registry = config.chain.contracts.registry
  const me = chain.account.address
  const [, , unbonding, unbondingEnd] = await chain.publicClient.readContract({
    address: registry,
    abi: registryAbi,
    functionName: 'stakeOf',
    args: [me],
  })
  if (unbonding === 0n)
    throw new CliError(`${me} has no stake unbonding: "infermesh provider unregister" starts unbonding it`)
  const now = (await chain.publicClient.getBlock()).timestamp
  if (now < unbondingEnd)
    throw new CliError(
      `${formatEther(unbonding)} MESH is unbonding until ${new Date(Number(unbondingEnd) * 1000).toISOString()} (${formatDuration(unbondingEnd - now)} from now, chain time): withdraw it then`,
    )
  const frozen = await chain.publicClient.readContract({
    address: registry,
    abi: registryAbi,
    functionName: 'frozenOf',
    args: [me],
  })
  if (frozen > 0n)
    throw new CliError(
      `${formatEther(unbonding)} MESH has unbonded, but ${frozen} open dispute${frozen === 1n ? '' : 's'} against ${me} freeze${frozen === 1n ? 's' : ''} it: withdraw once ${frozen === 1n ? 'it is' : 'they are'} resolved (a guilty verdict slashes it first)`,
    )
  const hash = await sendContractCall(
    chain,
    { address: registry, abi: registryAbi, functionName: 'withdrawStake' },
    log,
  )
  return { hash, amount: unbonding }
}
