import {
  disputesAbi,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsAbi,
  registryAbi,
  uptimeAbi,
} from '@infermesh/protocol'
import type { Address, Hex, PublicClient } from 'viem'
import type { PayerTarget } from '../payer/resolvePayer.js'

export type ChannelEarnings = { payer: Address; modelId: Hex; model?: string; paid: bigint }

export type ProviderStatus = {
  address: Address
  active: boolean
  endpoint: string
  region: string
  stake: bigint
  unbonding: bigint
  /** Open disputes freezing its stake (Registry.frozenOf): no withdrawal until they are resolved. */
  frozen: bigint
  /** Whether its /v1/models answered just now. */
  answers: boolean
  offers: { modelId: Hex; model?: string; pricePerMInput: bigint; pricePerMOutput: bigint }[]
  /** MESH in the provider's wallet (what redemptions paid it, plus what it had). */
  balance: bigint
  /** Payments.paid per channel (payer, provider, model): the payer's channels and every redeemed one. */
  channels: ChannelEarnings[]
  /** Validators' stake-weighted median uptime score of last epoch, and the Uptime contract's verdict. */
  uptime?: { score: number; reports: bigint; active: boolean }
}

export type ValidatorStatus = {
  address: Address
  active: boolean
  endpoint: string
  stake: bigint
  /** Model ids it declared it can re-execute (it is drawn to committees for those only). */
  models: Hex[]
  answers: boolean
}

/** Liveness and verification, when the deployment has the consensus contracts. */
export type ConsensusStatus = {
  epoch: bigint
  epochLength: bigint
  validators: ValidatorStatus[]
  /** Resolved disputes by outcome: guilty (slashed), innocent, void (no majority after the last round). */
  disputes: { total: bigint; open: number; guilty: number; innocent: number; void: number }
  totalSlashed: bigint
}

export type NetworkStatus = {
  chainId: number
  block: bigint
  /** Chain time, seconds. */
  time: bigint
  payer?: {
    address: Address
    deposit: bigint
    wallet: bigint
    withdrawal: { amount: bigint; unlockAt: bigint } | undefined
  }
  providers: ProviderStatus[]
  consensus?: ConsensusStatus
}

export type ReadNetworkStatusParams = {
  target: PayerTarget
  publicClient: PublicClient
  /** The payer whose deposit and channels to show. */
  payer?: Address
  /** First block of the deployment: Redeemed events are read from here (all payers' channels). */
  fromBlock?: bigint
}

/** How long `status` waits for each peer (a provider's /v1/models, a validator's /health). */
const peerDeadlineMs = 1500

/** anvil's chain id: the devnet `infermesh up` starts, and no public network. */
const localChainId = 31337

/**
 * Whether `status` may call peers at loopback, private and link-local addresses: only when the chain
 * it reads is a local one, i.e. its chain id is 31337 (anvil's), or the target is a devnet file that
 * `infermesh up` wrote and the chain answering is that devnet's (same chain id). Everything on a
 * devnet listens on 127.0.0.1; on any other chain an endpoint is whatever anyone wrote in the
 * Registry, and such an address would reach this machine's own network.
 */
function allowsPrivatePeers(target: PayerTarget, chainId: number): boolean {
  return chainId === localChainId || target.devnet?.chainId === chainId
}

/** The peer clients of `@infermesh/client`, loaded on first use (the CLI's start stays light). */
type Peers = Pick<typeof import('@infermesh/client'), 'peerFetch' | 'providerClient'>

/** Model names a provider's /v1/models gives its model ids; undefined when it does not answer in time. */
async function probeNames(
  providers: ReturnType<Peers['providerClient']>,
  endpoint: string,
): Promise<Map<string, string> | undefined> {
  try {
    const served = await providers.models({ endpoint, deadlineMs: peerDeadlineMs })
    return new Map(served.flatMap((model) => (model.modelId ? [[model.modelId, model.id]] : [])))
  } catch {
    return undefined
  }
}

/** Whether a validator's /health answers 2xx in time (the body is not read). */
async function answersHealth(peers: Peers, endpoint: string, allowPrivate: boolean): Promise<boolean> {
  try {
    const response = await peers.peerFetch(`${endpoint.replace(/\/+$/, '')}/health`, {
      allowPrivate,
      deadlineMs: peerDeadlineMs,
    })
    await response.body?.cancel().catch(() => {})
    return response.status >= 200 && response.status < 300
  } catch {
    return false
  }
}

/**
 * Reads the network as the chain holds it: every provider in the Registry (endpoint, region, stake,
 * offers, active) and whether it answers; the payer's deposit and pending withdrawal; each provider's
 * earnings: the MESH in its wallet and `Payments.paid` per channel. Model names come from the
 * ModelRegistry, else from the provider's /v1/models; the open disputes freezing each provider's stake.
 * With the consensus contracts: the epoch, the disputes by outcome, and each validator, the models it
 * declared and whether its /health answers.
 *
 * Providers and validators are called through `@infermesh/client` (`providerClient.models`,
 * `peerFetch`): no redirects, 1.5 s each, bounded reads. Loopback, private and link-local endpoints
 * are called only on a local chain: chain id 31337 (anvil's), or the chain of the devnet file the
 * target was read from (`infermesh up` writes it; everything on it listens on 127.0.0.1). Elsewhere
 * such an endpoint counts as not answering, and is never called.
 */
export async function readNetworkStatus(params: ReadNetworkStatusParams): Promise<NetworkStatus> {
  const { publicClient: client, target, payer } = params
  const { registry, payments, token, models } = target.contracts
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    client.readContract({ address, abi, functionName, args } as never) as Promise<T>

  type View = {
    provider: Address
    active: boolean
    stake: bigint
    unbonding: bigint
    endpoint: string
    region: string
    offers: readonly { modelId: Hex; pricePerMInput: bigint; pricePerMOutput: bigint }[]
  }
  const views: View[] = []
  for (let offset = 0n; ; offset += 100n) {
    const page = await read<readonly View[]>(registry, registryAbi, 'getProviders', [offset, 100n])
    views.push(...page)
    if (page.length < 100) break
  }
  const [chainId, block, redeemed] = await Promise.all([
    client.getChainId(),
    client.getBlock(),
    params.fromBlock === undefined
      ? Promise.resolve([])
      : client.getContractEvents({
          address: payments,
          abi: paymentsAbi,
          eventName: 'Redeemed',
          fromBlock: params.fromBlock,
        }),
  ])

  const allowPrivate = allowsPrivatePeers(target, chainId)
  const peers: Peers = await import('@infermesh/client')
  const providerPeers = peers.providerClient({ allowPrivate })

  const names = new Map<string, string>()
  const ids = new Set(views.flatMap((v) => v.offers.map((o) => o.modelId.toLowerCase())))
  await Promise.all(
    [...ids].map(async (id) => {
      const model = await read<{ owner: Address; name: string }>(models, modelRegistryAbi, 'getModel', [
        id,
      ]).catch(() => undefined)
      if (model && BigInt(model.owner) !== 0n) names.set(id, model.name)
    }),
  )

  const providers = await Promise.all(
    views.map(async (view): Promise<ProviderStatus> => {
      const probed = await probeNames(providerPeers, view.endpoint)
      const nameOf = (id: Hex) => names.get(id.toLowerCase()) ?? probed?.get(id.toLowerCase())
      const channels = new Map<string, { payer: Address; modelId: Hex }>()
      if (payer)
        for (const offer of view.offers)
          channels.set(`${payer}:${offer.modelId.toLowerCase()}`, { payer, modelId: offer.modelId })
      for (const log of redeemed) {
        const args = log.args as { payer?: Address; provider?: Address; modelId?: Hex }
        if (args.provider?.toLowerCase() !== view.provider.toLowerCase() || !args.payer || !args.modelId)
          continue
        channels.set(`${args.payer}:${args.modelId.toLowerCase()}`, {
          payer: args.payer,
          modelId: args.modelId,
        })
      }
      const [balance, frozen, paid] = await Promise.all([
        read<bigint>(token, meshTokenAbi, 'balanceOf', [view.provider]),
        read<bigint>(registry, registryAbi, 'frozenOf', [view.provider]),
        Promise.all(
          [...channels.values()].map(async (channel) => {
            const model = nameOf(channel.modelId)
            return {
              ...channel,
              ...(model && { model }),
              paid: await read<bigint>(payments, paymentsAbi, 'paid', [
                channel.payer,
                view.provider,
                channel.modelId,
              ]),
            }
          }),
        ),
      ])
      return {
        address: view.provider,
        active: view.active,
        endpoint: view.endpoint,
        region: view.region,
        stake: view.stake,
        unbonding: view.unbonding,
        frozen,
        answers: probed !== undefined,
        offers: view.offers.map((offer) => {
          const model = nameOf(offer.modelId)
          return {
            modelId: offer.modelId,
            ...(model && { model }),
            pricePerMInput: offer.pricePerMInput,
            pricePerMOutput: offer.pricePerMOutput,
          }
        }),
        balance,
        channels: paid,
      }
    }),
  )

  let payerStatus: NetworkStatus['payer']
  if (payer) {
    const [deposit, wallet, [amount, unlockAt]] = await Promise.all([
      read<bigint>(payments, paymentsAbi, 'balanceOf', [payer]),
      read<bigint>(token, meshTokenAbi, 'balanceOf', [payer]),
      read<readonly [bigint, number | bigint]>(payments, paymentsAbi, 'withdrawal', [payer]),
    ])
    payerStatus = {
      address: payer,
      deposit,
      wallet,
      withdrawal: amount > 0n ? { amount, unlockAt: BigInt(unlockAt) } : undefined,
    }
  }
  const { uptime, disputes } = target.contracts as { uptime?: Address; disputes?: Address }
  let consensus: ConsensusStatus | undefined
  if (uptime && disputes) {
    const [epochLength, genesis, total, totalSlashed, resolved] = await Promise.all([
      read<bigint>(uptime, uptimeAbi, 'epochLength'),
      read<bigint>(uptime, uptimeAbi, 'genesis'),
      read<bigint>(disputes, disputesAbi, 'disputeCount'),
      read<bigint>(registry, registryAbi, 'totalSlashed'),
      params.fromBlock === undefined
        ? Promise.resolve([])
        : client.getContractEvents({
            address: disputes,
            abi: disputesAbi,
            eventName: 'DisputeResolved',
            fromBlock: params.fromBlock,
          }),
    ])
    // The chain's clock (its latest block), as the contracts count epochs.
    const epoch =
      block.timestamp > BigInt(genesis) ? (block.timestamp - BigInt(genesis)) / BigInt(epochLength) : 0n
    const validatorViews: { validator: Address; active: boolean; endpoint: string; stake: bigint }[] = []
    for (let offset = 0n; ; offset += 100n) {
      const page = await read<readonly (typeof validatorViews)[number][]>(
        registry,
        registryAbi,
        'getValidators',
        [offset, 100n],
      )
      validatorViews.push(...page)
      if (page.length < 100) break
    }
    const validators = await Promise.all(
      validatorViews.map(async (v) => {
        // The chain read and the health probe (up to 1.5 s) run together.
        const [models, answers] = await Promise.all([
          read<readonly Hex[]>(registry, registryAbi, 'validatorModels', [v.validator]),
          answersHealth(peers, v.endpoint, allowPrivate),
        ])
        return {
          address: v.validator,
          active: v.active,
          endpoint: v.endpoint,
          stake: v.stake,
          models: [...models],
          answers,
        }
      }),
    )
    await Promise.all(
      providers.map(async (provider) => {
        const [score, reports] = await read<readonly [number, bigint]>(uptime, uptimeAbi, 'medianScore', [
          epoch > 0n ? epoch - 1n : 0n,
          provider.address,
        ])
        const active = await read<boolean>(uptime, uptimeAbi, 'isActive', [provider.address])
        provider.uptime = { score, reports, active }
      }),
    )
    // Disputes.Outcome: 1 guilty, 2 innocent, 3 void.
    const outcomes = resolved.map((e) => Number((e.args as { outcome?: number }).outcome))
    const count = (outcome: number) => outcomes.filter((o) => o === outcome).length
    consensus = {
      epoch,
      epochLength: BigInt(epochLength),
      validators,
      disputes: {
        total,
        open: Number(total) - resolved.length,
        guilty: count(1),
        innocent: count(2),
        void: count(3),
      },
      totalSlashed,
    }
  }
  return {
    chainId,
    block: block.number,
    time: block.timestamp,
    ...(payerStatus && { payer: payerStatus }),
    providers,
    ...(consensus && { consensus }),
  }
}
