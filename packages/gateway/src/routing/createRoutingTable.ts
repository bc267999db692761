import type { Discovery, NetworkModel, Offer } from '@infermesh/client'
import type { ProviderStats } from './createProviderStats.js'
import type { Candidate } from './types.js'

/** What routing reads from discovery. */
export type RoutingDiscovery = Pick<Discovery, 'offers' | 'models' | 'providerCount'>

/**
 * The gateway's view of discovery: each offer as a routing candidate with its provider's live stats
 * (latency, errors, health, uptime, reputation), which stay in the gateway. Candidates are built once
 * per offer list and reused until discovery's index changes, so a routing decision allocates nothing.
 *
 * @example
 * ```ts
 * const table = createRoutingTable({ discovery, stats })
 * const ranked = rankProviders({ model, candidates: table.candidates(model), defaultSort, limit: 3 })
 * ```
 */
export function createRoutingTable(options: { discovery: RoutingDiscovery; stats: ProviderStats }) {
  const { discovery, stats } = options
  const built = new WeakMap<readonly Offer[], Candidate[]>()
  const toCandidate = (offer: Offer): Candidate => ({
    provider: offer.provider,
    endpoint: offer.endpoint,
    region: offer.region,
    modelId: offer.modelId,
    providerModelName: offer.providerModelName,
    pricePerMInput: offer.pricePerMInput,
    pricePerMOutput: offer.pricePerMOutput,
    stake: offer.stake,
    priceScore: Number(offer.pricePerMInput + offer.pricePerMOutput) / 1e18,
    stakeScore: Number(offer.stake) / 1e18,
    key: offer.provider.toLowerCase(),
    stats: stats.get(offer.provider),
  })
  return {
    /** Routing candidates for a model named by its registered name or its 0x id. */
    candidates(model: string): Candidate[] {
      const offers = discovery.offers(model)
      let candidates = built.get(offers)
      if (!candidates) {
        candidates = offers.map(toCandidate)
        built.set(offers, candidates)
      }
      return candidates
    },
    /** Every registered model offered on the network. */
    models: (): NetworkModel[] => discovery.models(),
    providerCount: () => discovery.providerCount(),
  }
}

export type RoutingTable = ReturnType<typeof createRoutingTable>
