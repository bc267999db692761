import { registryAbi, uptimeAbi } from '@infermesh/protocol'
import type { Address, Hex, PublicClient } from 'viem'
import type { ProviderStats } from '../routing/createProviderStats.js'
import type { Candidate } from '../routing/types.js'

export type DiscoveryOptions = {
  publicClient: PublicClient
  registry: Address
  /** The Uptime contract: providers validators scored below the floor last epoch get no traffic. */
  uptime?: Address
  stats: ProviderStats
  /** Full re-read of the Registry, besides following its events. */
  refreshMs: number
  /** Health probe period per provider. */
  probeMs: number
  /** Probe time limit. */
  probeTimeoutMs?: number
  log: { info: (obj: object) => void; warn: (obj: object) => void }
}

type ProviderEntry = {
  address: Address
  endpoint: string
  region: string
  stake: bigint
  offers: Map<string, { pricePerMInput: bigint; pricePerMOutput: bigint }>
  /** Model name → model id, from the provider's own /v1/models. */
  names: Map<string, Hex>
}

/** A validator as the gateway sees it: where to send samples and read reputation. */
export type NetworkValidator = { address: Address; endpoint: string; stake: bigint }

/** One validator's record of a provider, as `GET /infermesh/v1/reputation` lists it. */
type ReputationEntry = { provider: Address; samples: number; reputation: number }

/** A model as the gateway lists it: every provider offering it, with the price range. */
export type NetworkModel = {
  name: string
  modelId: Hex
  providers: number
  pricePerMInput: { min: bigint; max: bigint }
  pricePerMOutput: { min: bigint; max: bigint }
}

/**
 * Who serves what: providers and offers from the Registry (paged views, then its events), model
 * names and health from probing each provider's /v1/models. Keeps an index from model name (and
 * model id) to routing candidates, whose stats objects are live.
 */
export function createDiscovery(options: DiscoveryOptions) {
  const { publicClient, registry, stats, log } = options
  let providers = new Map<string, ProviderEntry>()
  let validators: NetworkValidator[] = []
  let index = new Map<string, Candidate[]>()
  const timers: NodeJS.Timeout[] = []
  let unwatch: (() => void) | undefined
  let refreshing: Promise<void> | undefined
  let debounce: NodeJS.Timeout | undefined

  function rebuild() {
    const next = new Map<string, Candidate[]>()
    for (const entry of providers.values()) {
      for (const [name, modelId] of entry.names) {
        const offer = entry.offers.get(modelId.toLowerCase())
        if (!offer) continue
        const candidate: Candidate = {
          provider: entry.address,
          endpoint: entry.endpoint,
          region: entry.region,
          modelId,
          providerModelName: name,
          pricePerMInput: offer.pricePerMInput,
          pricePerMOutput: offer.pricePerMOutput,
          stake: entry.stake,
          priceScore: Number(offer.pricePerMInput + offer.pricePerMOutput) / 1e18,
          stakeScore: Number(entry.stake) / 1e18,
          key: entry.address.toLowerCase(),
          stats: stats.get(entry.address),
        }
        for (const key of new Set([name, modelId.toLowerCase()])) {
          const list = next.get(key) ?? []
          list.push(candidate)
          next.set(key, list)
        }
      }
    }
    index = next
  }

  async function readRegistry() {
    const next = new Map<string, ProviderEntry>()
    const pageSize = 100n
    for (let offset = 0n; ; offset += pageSize) {
      const page = await publicClient.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'getProviders',
        args: [offset, pageSize],
      })
      for (const view of page) {
        if (!view.active) continue
        const previous = providers.get(view.provider.toLowerCase())
        next.set(view.provider.toLowerCase(), {
          address: view.provider,
          endpoint: view.endpoint.replace(/\/+$/, ''),
          region: view.region,
          stake: view.stake,
          offers: new Map(
            view.offers.map((o) => [
              o.modelId.toLowerCase(),
              { pricePerMInput: o.pricePerMInput, pricePerMOutput: o.pricePerMOutput },
            ]),
          ),
          names:
            previous && previous.endpoint === view.endpoint.replace(/\/+$/, '') ? previous.names : new Map(),
        })
      }
      if (BigInt(page.length) < pageSize) break
    }
    const added = [...next.values()].filter((entry) => !providers.has(entry.address.toLowerCase()))
    providers = next
    rebuild()
    await Promise.all([...added.map(probe), readValidators().then(readReputation), readUptime()])
  }

  async function readValidators() {
    const list: NetworkValidator[] = []
    const pageSize = 100n
    for (let offset = 0n; ; offset += pageSize) {
      const page = await publicClient.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'getValidators',
        args: [offset, pageSize],
      })
      for (const view of page) {
        if (view.active)
          list.push({
            address: view.validator,
            endpoint: view.endpoint.replace(/\/+$/, ''),
            stake: view.stake,
          })
      }
      if (BigInt(page.length) < pageSize) break
    }
    validators = list
  }

  /** The Uptime contract's verdict per provider (validators' stake-weighted median last epoch). */
  async function readUptime() {
    const uptime = options.uptime
    if (!uptime) return
    await Promise.all(
      [...providers.values()].map(async (entry) => {
        const active = await publicClient.readContract({
          address: uptime,
          abi: uptimeAbi,
          functionName: 'isActive',
          args: [entry.address],
        })
        const was = stats.get(entry.address).active
        stats.judged(entry.address, { active })
        if (was !== active) {
          log.warn({
            msg: active
              ? 'provider back above the uptime floor'
              : 'provider below the uptime floor: not routed to',
            provider: entry.address,
          })
        }
      }),
    )
  }

  /** Validators' reputation of each provider, weighted by how many samples each validator checked. */
  async function readReputation() {
    const totals = new Map<string, { samples: number; weighted: number; provider: Address }>()
    await Promise.all(
      validators.map(async (validator) => {
        try {
          const response = await fetch(`${validator.endpoint}/infermesh/v1/reputation`, {
            signal: AbortSignal.timeout(options.probeTimeoutMs ?? 3000),
          })
          if (!response.ok) return
          const body = (await response.json()) as { data?: ReputationEntry[] }
          for (const entry of body.data ?? []) {
            if (!(entry.samples > 0) || !Number.isFinite(entry.reputation)) continue
            const key = entry.provider.toLowerCase()
            const total = totals.get(key) ?? { samples: 0, weighted: 0, provider: entry.provider }
            total.samples += entry.samples
            total.weighted += entry.samples * entry.reputation
            totals.set(key, total)
          }
        } catch {
          // A validator that does not answer says nothing about providers.
        }
      }),
    )
    for (const total of totals.values())
      stats.judged(total.provider, { reputation: total.weighted / total.samples })
  }

  async function probe(entry: ProviderEntry) {
    const started = performance.now()
    try {
      const response = await fetch(`${entry.endpoint}/v1/models`, {
        signal: AbortSignal.timeout(options.probeTimeoutMs ?? 3000),
      })
      if (!response.ok) throw new Error(`status ${response.status}`)
      const body = (await response.json()) as { data: { id: string; infermesh?: { modelId?: Hex } }[] }
      const names = new Map<string, Hex>()
      for (const model of body.data)
        if (model.infermesh?.modelId) names.set(model.id, model.infermesh.modelId)
      const changed =
        names.size !== entry.names.size || [...names].some(([name, id]) => entry.names.get(name) !== id)
      entry.names = names
      stats.probed(entry.address, true, performance.now() - started)
      if (changed) rebuild()
    } catch (error) {
      if (stats.get(entry.address).healthy) {
        log.warn({
          msg: 'provider probe failed',
          provider: entry.address,
          endpoint: entry.endpoint,
          err: (error as Error).message,
        })
      }
      stats.probed(entry.address, false)
    }
  }

  /** Re-reads the Registry (one at a time). */
  function refresh(): Promise<void> {
    refreshing ??= readRegistry().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  return {
    refresh,
    /** Probes every provider now. */
    probeAll: () => Promise.all([...providers.values()].map(probe)).then(() => undefined),
    /** Routing candidates for a model name or model id. */
    candidates(model: string): Candidate[] {
      return index.get(model) ?? index.get(model.toLowerCase()) ?? []
    },
    /** Every model offered on the network, by name. */
    models(): NetworkModel[] {
      const byName = new Map<string, NetworkModel>()
      for (const [key, candidates] of index) {
        if (key.startsWith('0x') && key.length === 66) continue
        const first = candidates[0]
        if (!first) continue
        const model: NetworkModel = {
          name: key,
          modelId: first.modelId,
          providers: candidates.length,
          pricePerMInput: { min: first.pricePerMInput, max: first.pricePerMInput },
          pricePerMOutput: { min: first.pricePerMOutput, max: first.pricePerMOutput },
        }
        for (const c of candidates) {
          if (c.pricePerMInput < model.pricePerMInput.min) model.pricePerMInput.min = c.pricePerMInput
          if (c.pricePerMInput > model.pricePerMInput.max) model.pricePerMInput.max = c.pricePerMInput
          if (c.pricePerMOutput < model.pricePerMOutput.min) model.pricePerMOutput.min = c.pricePerMOutput
          if (c.pricePerMOutput > model.pricePerMOutput.max) model.pricePerMOutput.max = c.pricePerMOutput
        }
        byName.set(key, model)
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
    },
    providerCount: () => providers.size,
    /** Every active provider: address, endpoint and the model names it answered to its last probe. */
    providers: () =>
      [...providers.values()].map((entry) => ({
        address: entry.address,
        endpoint: entry.endpoint,
        models: [...entry.names].map(([name, modelId]) => ({ name, modelId })),
      })),
    /** Active validators from the Registry. */
    validators: () => validators,
    /** Re-reads validators' reputation of providers now. */
    readReputation,
    /** A registered provider's endpoint. */
    endpointOf: (provider: Address) => providers.get(provider.toLowerCase())?.endpoint,
    /** Loads the Registry, probes everyone, then follows events and probes on a schedule. */
    async start() {
      await refresh()
      await this.probeAll()
      unwatch = publicClient.watchContractEvent({
        address: registry,
        abi: registryAbi,
        onLogs: () => {
          clearTimeout(debounce)
          debounce = setTimeout(
            () =>
              void refresh().catch((e: Error) =>
                log.warn({ msg: 'registry refresh failed', err: e.message }),
              ),
            100,
          )
        },
        onError: (error) => log.warn({ msg: 'following registry events failed', err: error.message }),
      })
      timers.push(
        setInterval(
          () =>
            void refresh().catch((e: Error) => log.warn({ msg: 'registry refresh failed', err: e.message })),
          options.refreshMs,
        ),
      )
      timers.push(setInterval(() => void this.probeAll(), options.probeMs))
      for (const timer of timers) timer.unref()
    },
    stop() {
      for (const timer of timers) clearInterval(timer)
      clearTimeout(debounce)
      unwatch?.()
    },
  }
}

export type Discovery = ReturnType<typeof createDiscovery>
