import { emissionsAbi, type ProviderConfig, uptimeAbi } from '@infermesh/protocol'
import type { Address } from 'viem'
import { CliError } from '../CliError.js'
import type { ProviderChain } from './connectProviderChain.js'
import { sendContractCall } from './sendContractCall.js'

export type ClaimEmissionsParams = {
  config: ProviderConfig
  chain: ProviderChain
  /** How many epochs back to look. Default 168 (a week of hourly epochs). */
  epochs?: number
  log: (line: string) => void
}

/** One epoch's claim: what was minted to the provider. */
export type EpochClaim = { epoch: bigint; availability: bigint; work: bigint; validation: bigint }

export type ClaimEmissionsResult = {
  claimed: EpochClaim[]
  /** Epochs with something owed that cannot be claimed yet, and why (e.g. a dispute still open). */
  deferred: { epoch: bigint; reason: string }[]
}

/**
 * Claims the provider's emissions (DESIGN rule 6) for every finalized epoch of the last `epochs` whose
 * challenge window has passed and that still owes it something: its uptime share and its verified-work
 * share, minted by the Emissions contract to the provider's account. Running it again is safe: claimed
 * epochs owe nothing.
 *
 * @throws CliError when the deployment has no Emissions contract.
 */
export async function claimEmissions(params: ClaimEmissionsParams): Promise<ClaimEmissionsResult> {
  const { config, chain, log } = params
  const { emissions, uptime } = config.chain.contracts
  if (!emissions || !uptime)
    throw new CliError(
      'this deployment has no Emissions and Uptime contracts (chain.contracts.emissions, chain.contracts.uptime in the config)',
    )
  const { publicClient, account } = chain
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const [genesis, epochLength, challengeEpochs, block] = await Promise.all([
    read<bigint>(emissions, emissionsAbi, 'genesis'),
    read<bigint>(emissions, emissionsAbi, 'epochLength'),
    read<{ challengeEpochs: bigint }>(emissions, emissionsAbi, 'schedule').then((s) =>
      BigInt(s.challengeEpochs),
    ),
    publicClient.getBlock(),
  ])
  // The later of the chain's latest block and this clock: a chain that mines on demand lags behind.
  const now = [block.timestamp, BigInt(Math.floor(Date.now() / 1000))].reduce((a, b) => (a > b ? a : b))
  const current = now > BigInt(genesis) ? (now - BigInt(genesis)) / BigInt(epochLength) : 0n
  const last = current - challengeEpochs - 1n
  const lookback = BigInt(params.epochs ?? 168)
  const result: ClaimEmissionsResult = { claimed: [], deferred: [] }
  for (let epoch = last - lookback + 1n > 0n ? last - lookback + 1n : 0n; epoch <= last; epoch++) {
    if (!(await read<boolean>(uptime, uptimeAbi, 'isFinalized', [epoch]))) continue
    const [availability, work, validation] = await read<readonly [bigint, bigint, bigint]>(
      emissions,
      emissionsAbi,
      'claimable',
      [epoch, account.address],
    )
    if (availability + work + validation === 0n) continue
    try {
      await sendContractCall(
        chain,
        { address: emissions, abi: emissionsAbi, functionName: 'claim', args: [epoch, account.address] },
        log,
      )
      result.claimed.push({ epoch, availability, work, validation })
    } catch (error) {
      result.deferred.push({ epoch, reason: (error as Error).message })
    }
  }
  return result
}
