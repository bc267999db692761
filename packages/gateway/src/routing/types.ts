import type { Address, Hex } from 'viem'

/** One provider's offer for one model, as routing sees it (prices in MESH wei per 1M tokens). */
export type Candidate = {
  provider: Address
  endpoint: string
  region: string
  modelId: Hex
  /** The model name the provider serves it under (what it expects in `model`). */
  providerModelName: string
  pricePerMInput: bigint
  pricePerMOutput: bigint
  stake: bigint
  /** `pricePerMInput + pricePerMOutput` in MESH as a float, precomputed for scoring. */
  priceScore: number
  /** `stake` in MESH as a float, precomputed for scoring. */
  stakeScore: number
  /** The provider address in lower case, precomputed for only/ignore/order matching. */
  key: string
  /** Live measurements (see createProviderStats). */
  stats: CandidateStats
}

export type CandidateStats = {
  /** EWMA of time to first byte, ms. */
  latencyMs: number
  /** EWMA of ms per output token while streaming (lower is faster). */
  msPerToken: number
  /** EWMA of the failure rate, 0..1. */
  errorRate: number
  /** Requests in flight from this gateway. */
  inFlight: number
  /** Circuit breaker open (suspended) until this time, ms since epoch; 0 when closed. */
  suspendedUntil: number
  /** Whether the last health probe succeeded. */
  healthy: boolean
  /**
   * Whether validators scored the provider at or above the uptime floor last epoch (the Uptime
   * contract's `isActive`); a provider below it gets no traffic.
   */
  active: boolean
  /**
   * Validators' re-execution record, 0..1: 1 when every sampled answer matched, lower for borderline
   * drift. A routing weight only; stake is lost through disputes, never through reputation.
   */
  reputation: number
}

export type SortPolicy = 'balanced' | 'price' | 'latency' | 'throughput'

/** Per-request routing preferences, modelled on OpenRouter's `provider` object. */
export type RoutingPreferences = {
  /** Providers (addresses) to try first, in this order. */
  order?: string[]
  /** Only these providers. */
  only?: string[]
  /** Never these providers. */
  ignore?: string[]
  sort?: SortPolicy
  /** Highest acceptable price, in MESH per 1M tokens. */
  maxPrice?: { prompt?: bigint; completion?: bigint }
  /** When false, only the first choice is tried. Default true. */
  allowFallbacks?: boolean
}
