import { uptimeAbi } from '@infermesh/protocol'
import type { Address, Hex, PublicClient } from 'viem'
import { PeerError } from '../http/PeerError.js'
import { buildOfferIndex, type IndexedProvider, type OfferIndex } from './buildOfferIndex.js'
import { createProbeScheduler } from './createProbeScheduler.js'
import { type ChainChanges, followEvents } from './followEvents.js'
import type { NetworkModel, Offer } from './Offer.js'
import type { ProviderModelAlias } from './parseProviderModels.js'
import { probeProvider } from './probeProvider.js'
import type { RegisteredProvider } from './RegisteredProvider.js'
import { readActive } from './readActive.js'
import { readModelName } from './readModelName.js'
import { readProvider } from './readProvider.js'
import { readProviders } from './readProviders.js'
import { readReputation } from './readReputation.js'
import { type NetworkValidator, readValidators } from './readValidators.js'

/** What a probe found out about a provider, handed to `onProbe`: latency when healthy, the error when not. */
export type ProbeOutcome = { healthy: boolean; latencyMs?: number; error?: Error }

/** What validators say about a provider, handed to `onJudged`. */
export type Judgement = { active?: boolean; reputation?: number }

export type DiscoveryOptions = {
  publicClient: PublicClient
  /** The Registry: providers, their endpoints and offers, validators. */
  registry: Address
  /**
   * The ModelRegistry: the only source of customer-facing model names. Without it no name resolves:
   * models are reachable by their 0x id only (and `offerOf` still finds a provider's own names).
   */
  models?: Address
  /** The Uptime contract: whether validators scored each provider at or above the floor last epoch. */
  uptime?: Address
  /** Allow loopback and private endpoints (the devnet, where everything is on 127.0.0.1). Default false. */
  allowPrivate?: boolean
  /** Probe period of providers routed to within `hotWindowMs`. Default 5 s. */
  hotProbeMs?: number
  /** The longest an idle provider goes unprobed; its period doubles up to this. Default 5 min. */
  idleProbeMaxMs?: number
  /** How long after it was last routed to a provider counts as in use. Default 60 s. */
  hotWindowMs?: number
  /** Time limit of one probe (and of one reputation read). Default 3 s. */
  probeTimeoutMs?: number
  /** Probes in flight at once. Default 32. */
  probeConcurrency?: number
  /**
   * Period of the light refresh: the validators, their reputation of providers, and whether the epoch
   * changed (then every provider's uptime verdict is read again). Default 15 s.
   */
  refreshMs?: number
  /**
   * Period of the full re-read of the Registry, a safety net behind its events (a missed log, a
   * dropped filter). Default 10 min.
   */
  resyncMs?: number
  /** How often to look for new chain events. Default: the public client's polling interval. */
  eventPollMs?: number
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Each probe's outcome (routing keeps health and latency; discovery keeps no routing stats). */
  onProbe?: (provider: Address, outcome: ProbeOutcome) => void
  /** Validators' verdicts: uptime above the floor (`active`) and re-execution `reputation`. */
  onJudged?: (provider: Address, judgement: Judgement) => void
  /** Uniform random numbers in [0, 1) for spreading probes; `Math.random` unless a test fixes them. */
  random?: () => number
}

/** A registered provider as discovery knows it. */
export type DiscoveredProvider = {
  address: Address
  endpoint: string
  region: string
  stake: bigint
  /** What its last usable probe listed (valid entries only): its names and the on-chain ids. */
  models: { name: string; modelId: Hex }[]
  /** Whether its last probe got a usable answer (undefined before the first probe). */
  healthy: boolean | undefined
}

type Entry = IndexedProvider & {
  key: string
  listed: ProviderModelAlias[]
  healthy: boolean | undefined
  active: boolean | undefined
  /** The last problem logged for this provider, so a lasting one is logged once. */
  issue: string | undefined
  /** Probes in a row that timed out while the provider was healthy (one is forgiven: a busy machine). */
  timeouts?: number
}

const modelIdPattern = /^0x[0-9a-fA-F]{64}$/
const emptyIndex: OfferIndex = { byModelId: new Map(), byName: new Map(), models: [] }
const none: Offer[] = []

/**
 * Who serves what, for anyone who routes to providers (the gateway) or checks them (a validator):
 *  - the Registry, read in full once, then followed through its events (each changed provider is read
 *    again by itself; a full re-read every `resyncMs` is only a safety net);
 *  - probes of each provider's `/v1/models` (peerFetch, bounded, checked entry by entry), in proportion
 *    to use: providers routed to recently (`used`) every `hotProbeMs`, idle ones backing off up to
 *    `idleProbeMaxMs`, a changed provider at once; validators' uptime verdicts cover the rest;
 *  - customer-facing model names from the ModelRegistry only: `offers('tiny')` are the offers for the
 *    id registered as `tiny`; a provider's own names are aliases of ids it offers on-chain;
 *  - validators and their reputation of providers (validatorClient).
 * Routing statistics stay with the caller: probe outcomes and verdicts go to `onProbe` and `onJudged`.
 * One bad provider (a broken list, a 10 MB answer, a redirect) only ever affects that provider.
 *
 * @example
 * ```ts
 * const discovery = createDiscovery({ publicClient, registry, models, uptime, allowPrivate: false, log })
 * await discovery.start()
 * const offers = discovery.offers('tiny')
 * discovery.used(offers[0].provider) // routed to: probe it often
 * ```
 */
export function createDiscovery(options: DiscoveryOptions) {
  const { publicClient, registry, models, uptime, log } = options
  const allowPrivate = options.allowPrivate ?? false
  const hotProbeMs = options.hotProbeMs ?? 5_000
  const probeTimeoutMs = options.probeTimeoutMs ?? 3_000
  const concurrency = Math.max(1, options.probeConcurrency ?? 32)
  const scheduler = createProbeScheduler({
    hotProbeMs,
    idleProbeMaxMs: Math.max(hotProbeMs, options.idleProbeMaxMs ?? 300_000),
    hotWindowMs: options.hotWindowMs ?? 60_000,
    ...(options.random && { random: options.random }),
  })
  const entries = new Map<string, Entry>()
  const modelNames = new Map<Hex, string>()
  /** Offered ids known not to be registered in the ModelRegistry (until a ModelRegistered event). */
  const unnamed = new Set<Hex>()
  let validators: NetworkValidator[] = []
  let index = emptyIndex
  let epoch: bigint | undefined
  let inFlight = 0
  let stopped = false
  const timers: NodeJS.Timeout[] = []
  let rebuildTimer: NodeJS.Timeout | undefined
  let pumpQueued = false
  let unwatch: (() => void) | undefined
  let refreshing: Promise<void> | undefined
  let resyncing: Promise<void> | undefined
  let applying: Promise<void> = Promise.resolve()
  const counts = { probes: 0, probeFailures: 0, providerReads: 0, fullReads: 0 }

  const warn = (obj: object) => log.warn(obj)
  const failed = (msg: string) => (error: Error) => warn({ msg, err: error.message })

  function rebuild() {
    clearTimeout(rebuildTimer)
    rebuildTimer = undefined
    index = buildOfferIndex(entries.values(), modelNames, (provider, error) =>
      warn({ msg: 'provider left out of the routing index', provider, err: error.message }),
    )
  }
  function rebuildSoon() {
    rebuildTimer ??= setTimeout(rebuild, 20)
    rebuildTimer.unref?.()
  }

  /** Applies a provider's Registry record; returns true when it is new or moved (needs a probe). */
  function upsert(record: RegisteredProvider): boolean {
    const key = record.address.toLowerCase()
    const entry = entries.get(key)
    if (!entry) {
      entries.set(key, {
        ...record,
        key,
        aliases: new Map(),
        listed: [],
        healthy: undefined,
        active: undefined,
        issue: undefined,
      })
      scheduler.add(key, Date.now())
      return true
    }
    const moved = entry.endpoint !== record.endpoint
    if (
      moved ||
      entry.stake !== record.stake ||
      entry.region !== record.region ||
      !sameOffers(entry, record)
    ) {
      entry.endpoint = record.endpoint
      entry.region = record.region
      entry.stake = record.stake
      entry.offers = record.offers
      entry.built = undefined
    }
    if (moved) {
      // What the old endpoint said proves nothing about the new one.
      entry.aliases = new Map()
      entry.listed = []
      entry.healthy = undefined
      entry.issue = undefined
      scheduler.add(key, Date.now())
    }
    return moved
  }

  function remove(key: string) {
    if (!entries.delete(key)) return
    scheduler.remove(key)
  }

  /** Names of offered model ids not known yet, from the ModelRegistry. */
  async function readMissingNames() {
    const missing = new Set<Hex>()
    for (const entry of entries.values())
      for (const modelId of entry.offers.keys())
        if (!modelNames.has(modelId) && !unnamed.has(modelId)) missing.add(modelId)
    if (!models) return
    await Promise.all(
      [...missing].map(async (modelId) => {
        try {
          const name = await readModelName({ publicClient, models, modelId })
          if (name === undefined) unnamed.add(modelId)
          else modelNames.set(modelId, name)
        } catch (error) {
          warn({
            msg: 'could not read a model name from the ModelRegistry',
            modelId,
            err: (error as Error).message,
          })
        }
      }),
    )
  }

  async function judgeActive(keys: readonly string[]) {
    if (!uptime || keys.length === 0) return
    const addresses = keys.flatMap((key) => entries.get(key)?.address ?? [])
    const verdicts = await readActive({ publicClient, uptime, providers: addresses, concurrency: 8 })
    for (const [address, active] of verdicts) {
      const entry = entries.get(address.toLowerCase())
      if (!entry) continue
      if (entry.active !== undefined && entry.active !== active)
        warn({
          msg: active
            ? 'provider back above the uptime floor'
            : 'provider below the uptime floor: not routed to',
          provider: address,
        })
      entry.active = active
      options.onJudged?.(address, { active })
    }
  }

  async function refreshReputation() {
    const verdicts = await readReputation({
      validators,
      config: { allowPrivate },
      deadlineMs: probeTimeoutMs,
      onError: (validator, error) =>
        warn({
          msg: 'could not read a validator’s reputation of providers',
          validator: validator.address,
          err: error.message,
        }),
    })
    for (const [provider, reputation] of verdicts)
      if (entries.has(provider.toLowerCase())) options.onJudged?.(provider, { reputation })
  }

  /** The whole Registry again; providers that are gone are dropped, new and moved ones probed. */
  async function resync(): Promise<string[]> {
    counts.fullReads++
    const records = await readProviders({ publicClient, registry })
    const seen = new Set<string>()
    const fresh: string[] = []
    for (const record of records) {
      const key = record.address.toLowerCase()
      seen.add(key)
      if (upsert(record)) fresh.push(key)
    }
    for (const key of [...entries.keys()]) if (!seen.has(key)) remove(key)
    unnamed.clear()
    await readMissingNames()
    rebuild()
    return fresh
  }

  /** Validators, their reputation of providers and, when the epoch turned, every uptime verdict. */
  async function lightRefresh(all: boolean) {
    validators = await readValidators({ publicClient, registry })
    const work: Promise<unknown>[] = [refreshReputation()]
    if (uptime) {
      const current = await publicClient.readContract({
        address: uptime,
        abi: uptimeAbi,
        functionName: 'currentEpoch',
      })
      if (all || current !== epoch) {
        epoch = current
        work.push(judgeActive([...entries.keys()]))
      }
    }
    await Promise.all(work)
  }

  /**
   * Reads everything again now (one at a time): the whole Registry, model names, validators, their
   * reputation and every uptime verdict; probes new and moved providers.
   */
  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      const fresh = await resync()
      await Promise.all([lightRefresh(true), probeKeys(fresh)])
      rebuild()
    })().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  /** Applies a batch of chain events: each named account read again, names taken from the logs. */
  function applyChanges(changes: ChainChanges) {
    applying = applying.then(async () => {
      if (stopped) return
      for (const [modelId, name] of changes.modelNames) {
        for (const [id, known] of modelNames) if (known === name && id !== modelId) modelNames.delete(id)
        modelNames.set(modelId, name)
        unnamed.delete(modelId)
      }
      if (changes.everything) {
        await refresh()
        return
      }
      const accounts = [...new Set(changes.accounts.map((a) => a.toLowerCase()))]
      const fresh: string[] = []
      let touched = changes.modelNames.size > 0
      await Promise.all(
        accounts.map(async (key) => {
          counts.providerReads++
          const record = await readProvider({ publicClient, registry, address: key as Address })
          touched = true
          if (!record) remove(key)
          else if (upsert(record)) fresh.push(key)
        }),
      )
      const knownValidator = accounts.some((key) => validators.some((v) => v.address.toLowerCase() === key))
      if (changes.validators || knownValidator) validators = await readValidators({ publicClient, registry })
      if (touched) {
        await readMissingNames()
        rebuild()
      }
      await judgeActive(fresh)
      if (changes.uptime) await judgeActive([...entries.keys()])
      pump()
    })
    applying = applying.catch(failed('following the Registry failed; the next full re-read catches up'))
  }

  async function probe(key: string) {
    const entry = entries.get(key)
    if (!entry) return
    const endpoint = entry.endpoint
    counts.probes++
    try {
      const result = await probeProvider({ endpoint, allowPrivate, deadlineMs: probeTimeoutMs })
      if (entries.get(key) !== entry || entry.endpoint !== endpoint) return // moved meanwhile
      if (result.dropped.length > 0) {
        const issue = `${result.dropped.length} invalid: ${result.dropped[0]?.issue}`
        if (entry.issue !== issue)
          warn({
            msg: 'provider listed invalid models: those entries are ignored',
            provider: entry.address,
            endpoint,
            dropped: result.dropped.slice(0, 5),
            count: result.dropped.length,
          })
        entry.issue = issue
      } else entry.issue = undefined
      const aliases = new Map<Hex, string>()
      for (const model of result.models)
        if (!aliases.has(model.modelId)) aliases.set(model.modelId, model.name)
      if (!sameAliases(entry.aliases, aliases)) {
        entry.aliases = aliases
        entry.built = undefined
        rebuildSoon()
      }
      entry.listed = result.models
      entry.healthy = true
      entry.timeouts = 0
      options.onProbe?.(entry.address, { healthy: true, latencyMs: result.latencyMs })
    } catch (error) {
      counts.probeFailures++
      if (entries.get(key) !== entry || entry.endpoint !== endpoint) return
      const message = (error as Error).message
      // A healthy provider that is only slow once (a loaded host) keeps its place; a second timeout in a
      // row, or any other failure (refused, redirect, bad answer), marks it unhealthy at once.
      if (
        error instanceof PeerError &&
        error.code === 'peer_timeout' &&
        entry.healthy === true &&
        !entry.timeouts
      ) {
        entry.timeouts = 1
        warn({
          msg: 'provider probe timed out; one more and it is unhealthy',
          provider: entry.address,
          endpoint,
        })
        return
      }
      entry.timeouts = (entry.timeouts ?? 0) + 1
      if (entry.healthy !== false || entry.issue !== message)
        warn({ msg: 'provider probe failed', provider: entry.address, endpoint, err: message })
      entry.issue = message
      entry.healthy = false
      options.onProbe?.(entry.address, { healthy: false, error: error as Error })
    }
  }

  /** Probes these providers now (bounded), whatever their schedule. */
  async function probeKeys(keys: readonly string[]) {
    let next = 0
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++] as string
        await probe(key)
        scheduler.done(key, Date.now())
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker))
    rebuild()
  }

  /** Starts the probes that are due, up to the concurrency limit. */
  function pump() {
    pumpQueued = false
    if (stopped) return
    for (const key of scheduler.due(Date.now(), concurrency - inFlight)) {
      inFlight++
      void probe(key).finally(() => {
        inFlight--
        scheduler.done(key, Date.now())
        if (!pumpQueued) {
          pumpQueued = true
          setImmediate(pump)
        }
      })
    }
  }

  function offers(model: string): Offer[] {
    const modelId = modelIdPattern.test(model) ? (model.toLowerCase() as Hex) : index.byName.get(model)
    return (modelId && index.byModelId.get(modelId)) || none
  }

  return {
    /**
     * Loads the Registry, model names, validators and verdicts, probes every provider once, then
     * follows the chain's events and probes on schedule.
     */
    async start() {
      stopped = false
      // Events are followed from the block the first read starts at, so no change falls in between.
      const fromBlock = await publicClient.getBlockNumber({ cacheTime: 0 })
      await resync()
      await Promise.all([lightRefresh(true), probeKeys([...entries.keys()])])
      rebuild()
      unwatch = followEvents({
        publicClient,
        registry,
        ...(models && { models }),
        ...(uptime && { uptime }),
        fromBlock,
        intervalMs: options.eventPollMs ?? publicClient.pollingInterval,
        onChanges: applyChanges,
        onError: failed('following the chain’s events failed'),
      })
      const every = (ms: number, run: () => void) => {
        const timer = setInterval(run, ms)
        timer.unref()
        timers.push(timer)
      }
      every(Math.max(20, Math.min(250, hotProbeMs / 4)), pump)
      every(
        options.refreshMs ?? 15_000,
        () => void lightRefresh(false).catch(failed('discovery refresh failed')),
      )
      every(options.resyncMs ?? 600_000, () => {
        if (resyncing) return
        resyncing = resync()
          .then((fresh) => probeKeys(fresh))
          .catch(failed('full Registry re-read failed'))
          .finally(() => {
            resyncing = undefined
          })
      })
    },
    stop() {
      stopped = true
      for (const timer of timers) clearInterval(timer)
      timers.length = 0
      clearTimeout(rebuildTimer)
      unwatch?.()
      unwatch = undefined
    },
    refresh,
    /** Probes every provider now and waits for the answers. */
    probeAll: () => probeKeys([...entries.keys()]),
    /** Reads validators' reputation of providers now. */
    readReputation: refreshReputation,
    /**
     * The offers for a model named by its registered name (the ModelRegistry's) or its 0x id: every
     * provider that offers the id on-chain and lists it in its `/v1/models`. The same array until the
     * index changes; do not modify it.
     */
    offers,
    /**
     * One provider's offer of a model named by its id, its registered name or the provider's own name
     * for it (scoped to that provider, so its names cannot reach anyone else's traffic).
     */
    offerOf(provider: Address, model: string): Offer | undefined {
      const entry = entries.get(provider.toLowerCase())
      if (!entry) return undefined
      const own = entry.listed.find((listed) => listed.name === model)?.modelId
      const modelId =
        own ?? (modelIdPattern.test(model) ? (model.toLowerCase() as Hex) : index.byName.get(model))
      const price = modelId && entry.offers.get(modelId)
      const alias = modelId && entry.aliases.get(modelId)
      if (!modelId || !price || alias === undefined) return undefined
      return {
        provider: entry.address,
        endpoint: entry.endpoint,
        region: entry.region,
        modelId,
        providerModelName: alias,
        pricePerMInput: price.pricePerMInput,
        pricePerMOutput: price.pricePerMOutput,
        stake: entry.stake,
      }
    },
    /** The model id a customer's model name resolves to (registered name or 0x id), if any is offered. */
    resolve(model: string): Hex | undefined {
      const modelId = modelIdPattern.test(model) ? (model.toLowerCase() as Hex) : index.byName.get(model)
      return modelId && index.byModelId.has(modelId) ? modelId : undefined
    },
    /** Every registered model with at least one offer, by registered name. */
    models: (): NetworkModel[] => index.models,
    /** Every active provider: address, endpoint, and what its last usable probe listed. */
    providers: (): DiscoveredProvider[] =>
      [...entries.values()].map((entry) => ({
        address: entry.address,
        endpoint: entry.endpoint,
        region: entry.region,
        stake: entry.stake,
        models: entry.listed.map((listed) => ({ name: listed.name, modelId: listed.modelId })),
        healthy: entry.healthy,
      })),
    providerCount: () => entries.size,
    /** Active validators from the Registry. */
    validators: () => validators,
    /** A registered provider's endpoint. */
    endpointOf: (provider: Address) => entries.get(provider.toLowerCase())?.endpoint,
    /** The provider was routed to: keep probing it often (idle providers back off). */
    used(provider: Address) {
      const key = provider.toLowerCase()
      const before = scheduler.nextOf(key)
      scheduler.used(key, Date.now())
      if (before !== scheduler.nextOf(key) && !pumpQueued) {
        pumpQueued = true
        setImmediate(pump)
      }
    },
    /** Counters since start: probes sent and failed, single-provider reads, full Registry reads. */
    counts: () => ({ ...counts, inFlight }),
  }
}

export type Discovery = ReturnType<typeof createDiscovery>

function sameOffers(a: RegisteredProvider, b: RegisteredProvider) {
  if (a.offers.size !== b.offers.size) return false
  for (const [modelId, price] of a.offers) {
    const other = b.offers.get(modelId)
    if (
      !other ||
      other.pricePerMInput !== price.pricePerMInput ||
      other.pricePerMOutput !== price.pricePerMOutput
    )
      return false
  }
  return true
}

function sameAliases(a: Map<Hex, string>, b: Map<Hex, string>) {
  if (a.size !== b.size) return false
  for (const [modelId, name] of a) if (b.get(modelId) !== name) return false
  return true
}
