import { type ProviderConfig, registryAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from './connectProviderChain.js'
import { sendContractCall } from './sendContractCall.js'

export type UnregisterProviderParams = {
  config: ProviderConfig
  chain: ProviderChain
  log: (line: string) => void
}

export type UnregisterProviderResult = {
  hash: Hex
  /** Everything now unbonding, in MESH wei. */
  unbonding: bigint
  /** When it unlocks (seconds since the epoch, chain time). */
  unbondingEnd: bigint
}

/**
 * Leaves the Registry: the provider's offers and profile are removed and its whole stake starts
 * unbonding. Its work stays disputable: disputes can still be opened against it, and slash it, while any
 * stake is left.
 *
 * @throws CliError when the account is not a registered provider.
 */
export async function unregisterProvider(
  params: UnregisterProviderParams,
): Promise<UnregisterProviderResult> {
  const { config, chain, log } = params
  const registry = config.chain.contracts.registry
  const me = chain.account.address
  const stakeOf = () =>
    chain.publicClient.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'stakeOf',
      args: [me],
    })
  const [role, , unbonding, unbondingEnd] = await stakeOf()
  if (role !== 1) {
    const pending =
      unbonding > 0n
        ? ` (${formatEther(unbonding)} MESH is already unbonding until ${new Date(Number(unbondingEnd) * 1000).toISOString()})`
        : ''
    throw new CliError(
      role === 2
        ? `${me} is registered as a validator, not a provider`
        : `${me} is not a registered provider${pending}: nothing to unregister`,
    )
  }
  const hash = await sendContractCall(
    chain,
    { address: registry, abi: registryAbi, functionName: 'unregister' },
    log,
  )
  const [, , nowUnbonding, end] = await stakeOf()
  return { hash, unbonding: nowUnbonding, unbondingEnd: end }
}
