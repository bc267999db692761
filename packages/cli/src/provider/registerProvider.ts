import { meshTokenAbi, type ProviderConfig, registryAbi } from '@infermesh/protocol'
import { formatEther, type Hex } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { type ConfiguredOffer, configuredOffers } from './configuredOffers.js'
import type { ProviderChain } from './connectProviderChain.js'
import { sendContractCall } from './sendContractCall.js'

export type RegisterProviderParams = {
  config: ProviderConfig
  chain: ProviderChain
  /** Total stake wanted, in MESH wei. Default: the Registry's `minStake`. Never lowers a stake. */
  stake?: bigint
  log: (line: string) => void
}

/** The provider as `Registry.getProvider` returns it. */
export type OnChainProvider = {
  provider: `0x${string}`
  active: boolean
  stake: bigint
  unbonding: bigint
  unbondingEnd: bigint
  registeredAt: bigint
  endpoint: string
  region: string
  hardware: { gpuModel: string; gpuCount: number; vramMb: number; cpuCores: number; ramMb: number }
  offers: readonly { modelId: Hex; pricePerMInput: bigint; pricePerMOutput: bigint }[]
}

export type RegisterProviderResult = {
  /** `registered` the first time; `updated` or `unchanged` when the account already was a provider. */
  outcome: 'registered' | 'updated' | 'unchanged'
  /** Every transaction sent, in order. */
  transactions: { functionName: string; hash: Hex }[]
  minStake: bigint
  offers: ConfiguredOffer[]
  provider: OnChainProvider
}

const mesh = (wei: bigint) => `${formatEther(wei)} MESH`

/**
 * Makes the Registry hold what the provider's config says. A new provider approves and stakes (up to
 * `stake`, at least `minStake`) and registers its endpoint, region, hardware and offers. An already
 * registered provider tops its stake up when asked to, updates its profile when it changed, removes
 * offers the config no longer has and sets new or re-priced ones (`setOffers`): running it again is safe.
 *
 * @throws CliError when the account lacks MESH or ETH, is a validator, or the Registry refuses.
 */
export async function registerProvider(params: RegisterProviderParams): Promise<RegisterProviderResult> {
  const { config, chain, log } = params
  const { publicClient, account } = chain
  const { registry, token } = config.chain.contracts
  const me = account.address
  const offers = await configuredOffers(config)
  const read = <T>(
    functionName: string,
    args: readonly unknown[] = [],
    address = registry,
    abi: unknown = registryAbi,
  ) => publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>

  const [minStake, [role, staked], balance, gas] = await Promise.all([
    read<bigint>('minStake'),
    read<readonly [number, bigint, bigint, bigint]>('stakeOf', [me]),
    read<bigint>('balanceOf', [me], token, meshTokenAbi),
    publicClient.getBalance({ address: me }),
  ])
  if (role === 2)
    throw new CliError(
      `${me} is registered as a validator; an account has one role: give the provider its own key`,
    )
  const target = params.stake ?? minStake
  if (target < minStake)
    throw usageError(
      `--stake ${formatEther(target)} is below the Registry's minimum stake of ${mesh(minStake)}`,
    )
  const topUp = target > staked ? target - staked : 0n
  if (topUp > balance) {
    const has =
      staked > 0n ? `has ${mesh(staked)} staked and holds ${mesh(balance)}` : `holds ${mesh(balance)}`
    throw new CliError(
      `not enough MESH to stake: ${me} ${has}; a stake of ${mesh(target)} needs ${mesh(topUp)} more: get at least ${mesh(topUp - balance)} sent to it`,
    )
  }
  if (gas === 0n)
    throw new CliError(`${me} has no ETH to pay for gas on chain ${chain.chain.id}: send it some ETH`)

  const transactions: RegisterProviderResult['transactions'] = []
  const send = async (call: Parameters<typeof sendContractCall>[1]) => {
    transactions.push({ functionName: call.functionName, hash: await sendContractCall(chain, call, log) })
  }
  if (topUp > 0n) {
    const allowance = await read<bigint>('allowance', [me, registry], token, meshTokenAbi)
    if (allowance < topUp)
      await send({ address: token, abi: meshTokenAbi, functionName: 'approve', args: [registry, topUp] })
    await send({ address: registry, abi: registryAbi, functionName: 'stake', args: [topUp] })
  }

  const { endpoint, region, hardware } = config.registration
  const onChainOffers = offers.map(({ modelId, pricePerMInput, pricePerMOutput }) => ({
    modelId,
    pricePerMInput,
    pricePerMOutput,
  }))
  let outcome: RegisterProviderResult['outcome']
  if (role === 0) {
    await send({
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [endpoint, region, hardware, onChainOffers],
    })
    outcome = 'registered'
  } else {
    const current = await read<OnChainProvider>('getProvider', [me])
    const sameProfile =
      current.endpoint === endpoint &&
      current.region === region &&
      (Object.keys(hardware) as (keyof typeof hardware)[]).every(
        (key) => current.hardware[key] === hardware[key],
      )
    if (!sameProfile)
      await send({
        address: registry,
        abi: registryAbi,
        functionName: 'updateProvider',
        args: [endpoint, region, hardware],
      })
    const wanted = new Set(onChainOffers.map((offer) => offer.modelId))
    const stale = current.offers
      .map((offer) => offer.modelId.toLowerCase() as Hex)
      .filter((id) => !wanted.has(id))
    if (stale.length > 0)
      await send({ address: registry, abi: registryAbi, functionName: 'removeOffers', args: [stale] })
    const changed = onChainOffers.filter((offer) => {
      const now = current.offers.find((o) => o.modelId.toLowerCase() === offer.modelId)
      return (
        !now || now.pricePerMInput !== offer.pricePerMInput || now.pricePerMOutput !== offer.pricePerMOutput
      )
    })
    if (changed.length > 0)
      await send({ address: registry, abi: registryAbi, functionName: 'setOffers', args: [changed] })
    outcome = transactions.length > 0 ? 'updated' : 'unchanged'
  }
  const provider = await read<OnChainProvider>('getProvider', [me])
  return { outcome, transactions, minStake, offers, provider }
}
