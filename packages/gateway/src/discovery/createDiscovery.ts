import {
  type Discovery as ClientDiscovery,
  createDiscovery as createClientDiscovery,
  type NetworkModel,
  type NetworkValidator,
} from '@infermesh/client'
import type { Address, PublicClient } from 'viem'
import type { ProviderStats } from '../routing/createProviderStats.js'
import { createRoutingTable } from '../routing/createRoutingTable.js'
import type { Candidate } from '../routing/types.js'

export type { NetworkModel, NetworkValidator }

/** The options discovery took when it lived in the gateway. */
export type LegacyDiscoveryOptions = {
  publicClient: PublicClient
  registry: Address
  /** The ModelRegistry; without it models resolve by 0x id and by each provider's own names only. */
  models?: Address
  uptime?: Address
  stats: ProviderStats
  refreshMs: number
  probeMs: number
  probeTimeoutMs?: number
  /** Default true here, as the old discovery's plain fetch did; pass the devnet flag instead. */
  allowPrivate?: boolean
  log: { info: (obj: object) => void; warn: (obj: object) => void }
}

/** @infermesh/client's discovery plus routing candidates, for callers of the old gateway discovery. */
export type Discovery = ClientDiscovery & { candidates: (model: string) => Candidate[] }

/**
 * @deprecated Discovery moved to @infermesh/client (`createDiscovery`, no routing stats inside); the
 * gateway builds candidates with `createRoutingTable`. This adapter keeps the old call working for the
 * validator until it imports @infermesh/client: the client's discovery wired to `stats`, with
 * `candidates(model)` that also finds each provider's own names for ids it offers on-chain (the
 * validator looks up one provider's offer at a time). Remove it once nothing imports it.
 */
export function createDiscovery(options: LegacyDiscoveryOptions): Discovery {
  const { stats } = options
  const discovery = createClientDiscovery({
    publicClient: options.publicClient,
    registry: options.registry,
    ...(options.models && { models: options.models }),
    ...(options.uptime && { uptime: options.uptime }),
    allowPrivate: options.allowPrivate ?? true,
    hotProbeMs: options.probeMs,
    refreshMs: options.refreshMs,
    ...(options.probeTimeoutMs !== undefined && { probeTimeoutMs: options.probeTimeoutMs }),
    log: options.log,
    onProbe: (provider, outcome) => stats.probed(provider, outcome.healthy, outcome.latencyMs),
    onJudged: (provider, judgement) => stats.judged(provider, judgement),
  })
  const table = createRoutingTable({ discovery, stats })
  return Object.assign(discovery, {
    candidates(model: string): Candidate[] {
      const found = table.candidates(model)
      if (found.length > 0) return found
      return discovery.providers().flatMap((provider) => {
        const offer = discovery.offerOf(provider.address, model)
        return offer
          ? table.candidates(offer.modelId).filter((c) => c.key === provider.address.toLowerCase())
          : []
      })
    },
  })
}
