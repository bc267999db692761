import { GatewayError } from '../errors.js'
import type { Candidate, RoutingPreferences, SortPolicy } from './types.js'

export type RankProvidersParameters = {
  model: string
  candidates: readonly Candidate[]
  preferences?: RoutingPreferences
  defaultSort: SortPolicy
  /** How many providers to return (first choice + fallbacks). */
  limit: number
  now?: number
}

const lower = (values?: string[]) => (values ? new Set(values.map((v) => v.toLowerCase())) : undefined)
const formatMesh = (wei: bigint) => {
  const whole = wei / 10n ** 18n
  const fraction = (wei % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole.toString()
}

/**
 * Picks the providers for one request: filters by health, circuit breaker, the customer's
 * only/ignore lists and max_price, then orders by the sort policy (or the explicit `order`), and
 * returns the best `limit` without sorting the whole list (a linear pass per pick, so 10,000
 * offers stay cheap). When nothing is left it throws a 503 that says why.
 */
export function rankProviders(params: RankProvidersParameters): Candidate[] {
  const { model, preferences = {}, limit } = params
  const now = params.now ?? Date.now()
  if (params.candidates.length === 0) {
    throw new GatewayError(`No provider on the network offers the model '${model}'.`, {
      status: 404,
      code: 'model_not_found',
      param: 'model',
      retryable: false,
    })
  }
  const only = lower(preferences.only)
  const ignore = lower(preferences.ignore)
  const maxIn = preferences.maxPrice?.prompt
  const maxOut = preferences.maxPrice?.completion

  let excludedByList = 0
  let excludedByPrice = 0
  let unavailable = 0
  let cheapestIn: bigint | undefined
  let cheapestOut: bigint | undefined
  const eligible: Candidate[] = []
  for (const candidate of params.candidates) {
    const address = candidate.provider.toLowerCase()
    if ((only && !only.has(address)) || ignore?.has(address)) {
      excludedByList++
      continue
    }
    if (cheapestIn === undefined || candidate.pricePerMInput < cheapestIn)
      cheapestIn = candidate.pricePerMInput
    if (cheapestOut === undefined || candidate.pricePerMOutput < cheapestOut)
      cheapestOut = candidate.pricePerMOutput
    if (
      (maxIn !== undefined && candidate.pricePerMInput > maxIn) ||
      (maxOut !== undefined && candidate.pricePerMOutput > maxOut)
    ) {
      excludedByPrice++
      continue
    }
    if (!candidate.stats.healthy || candidate.stats.suspendedUntil > now) {
      unavailable++
      continue
    }
    eligible.push(candidate)
  }

  if (eligible.length === 0) {
    const reasons: string[] = []
    if (excludedByList) reasons.push(`${excludedByList} excluded by provider.only/ignore`)
    if (excludedByPrice) {
      reasons.push(
        `${excludedByPrice} above max_price (cheapest: ${formatMesh(cheapestIn ?? 0n)} MESH per 1M prompt tokens, ${formatMesh(cheapestOut ?? 0n)} per 1M completion tokens)`,
      )
    }
    if (unavailable) reasons.push(`${unavailable} unhealthy or suspended after errors`)
    throw new GatewayError(
      `No provider can serve '${model}' for this request: of ${params.candidates.length} offering it, ${reasons.join('; ')}.`,
      {
        status: 503,
        code: 'no_provider_available',
        retryable: excludedByPrice === 0 && excludedByList === 0,
      },
    )
  }

  const take = preferences.allowFallbacks === false ? 1 : Math.min(limit, eligible.length)
  const picked: Candidate[] = []
  if (preferences.order?.length) {
    const position = new Map(preferences.order.map((address, index) => [address.toLowerCase(), index]))
    const ordered = eligible
      .filter((c) => position.has(c.provider.toLowerCase()))
      .sort(
        (a, b) =>
          (position.get(a.provider.toLowerCase()) ?? 0) - (position.get(b.provider.toLowerCase()) ?? 0),
      )
    for (const candidate of ordered) {
      if (picked.length >= take) break
      picked.push(candidate)
    }
  }
  const score = scorer(preferences.sort ?? params.defaultSort, eligible)
  const chosen = new Set(picked)
  while (picked.length < take) {
    let best: Candidate | undefined
    let bestScore = Number.POSITIVE_INFINITY
    for (const candidate of eligible) {
      if (chosen.has(candidate)) continue
      const s = score(candidate)
      if (s < bestScore) {
        bestScore = s
        best = candidate
      }
    }
    if (!best) break
    chosen.add(best)
    picked.push(best)
  }
  return picked
}

/** Lower is better. Prices are compared as a blended price per 1M tokens (1 part input, 1 part output). */
function scorer(sort: SortPolicy, eligible: Candidate[]): (c: Candidate) => number {
  const price = (c: Candidate) => Number(c.pricePerMInput + c.pricePerMOutput) / 1e18
  switch (sort) {
    case 'price':
      return (c) => price(c) * 1e6 + c.stats.latencyMs / 1e3
    case 'latency':
      return (c) => c.stats.latencyMs + c.stats.errorRate * 10_000
    case 'throughput':
      return (c) => c.stats.msPerToken + c.stats.errorRate * 10_000
    default: {
      let minPrice = Number.POSITIVE_INFINITY
      let minLatency = Number.POSITIVE_INFINITY
      let maxStake = 0n
      for (const c of eligible) {
        minPrice = Math.min(minPrice, price(c))
        minLatency = Math.min(minLatency, c.stats.msPerToken || 1)
        if (c.stake > maxStake) maxStake = c.stake
      }
      const stakeScale = Number(maxStake) || 1
      // Relative price and speed (1 = best), error rate and load as penalties, stake as a small bonus.
      return (c) =>
        price(c) / (minPrice || 1) +
        (c.stats.msPerToken || 1) / minLatency +
        c.stats.errorRate * 5 +
        c.stats.inFlight * 0.1 -
        (Number(c.stake) / stakeScale) * 0.2
    }
  }
}
