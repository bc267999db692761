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
  /**
   * Route to providers below the uptime floor too. Set by rankProviders itself when every provider the
   * request could use is healthy by the gateway's own checks but below the floor.
   */
  belowFloorAllowed?: boolean
}

const lower = (values?: string[]) => (values ? new Set(values.map((v) => v.toLowerCase())) : undefined)
const formatMesh = (wei: bigint) => {
  const whole = wei / 10n ** 18n
  const fraction = (wei % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole.toString()
}

/**
 * Picks the providers for one request: filters by health, circuit breaker, the customer's
 * only/ignore lists and max_price, then orders by the explicit `order` and the sort policy, and
 * returns the best `limit`. One linear pass over precomputed numbers with a small top-k insert (plus
 * a scale pass for the balanced score), no allocation per offer and no sort of the whole list. When nothing is left it
 * throws an error that says why.
 *
 * Providers below the uptime floor (the validators' report of the last epoch) get no traffic while any
 * other provider can serve the request. When every provider that could is below it but answers the
 * gateway's own health checks now (after a network start, when validators reported while providers were
 * still loading, or when a few validators misreport), they serve rather than the customer getting a 503:
 * the floor still costs them their availability emissions, and their answers are sampled as any.
 */
export function rankProviders(params: RankProvidersParameters): Candidate[] {
  const { model, candidates, preferences = {} } = params
  const now = params.now ?? Date.now()
  if (candidates.length === 0) {
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
  const sort = preferences.sort ?? params.defaultSort

  // Scales for the balanced score, over every offer of the model; refreshed at most once a second
  // per candidate list, so a decision is one pass.
  let minPrice = 1
  let minSpeed = 1
  let maxStake = 1
  if (sort === 'balanced') ({ minPrice, minSpeed, maxStake } = scalesOf(candidates, now))
  // Multiplying by inverses is cheaper than dividing 10,000 times.
  const perPrice = 1 / (minPrice || 1)
  const perSpeed = 1 / minSpeed
  const perStake = 0.2 / (maxStake || 1)
  const order = preferences.order?.length
    ? new Map(preferences.order.map((address, index) => [address.toLowerCase(), index]))
    : undefined
  const need = preferences.allowFallbacks === false ? 1 : params.limit

  // One pass: eligibility, score, and the best `need` kept in a small sorted array (lower is better).
  let eligible = 0
  let upButBelowFloor = 0
  const ordered: Candidate[] = []
  const best: Candidate[] = []
  const bestScores: number[] = []
  for (const c of candidates) {
    if (only && !only.has(c.key)) continue
    if (ignore?.has(c.key)) continue
    if (maxIn !== undefined && c.pricePerMInput > maxIn) continue
    if (maxOut !== undefined && c.pricePerMOutput > maxOut) continue
    const stats = c.stats
    if (!stats.healthy || stats.suspendedUntil > now) continue
    if (!stats.active && !params.belowFloorAllowed) {
      upButBelowFloor++
      continue
    }
    eligible++
    if (order?.has(c.key)) {
      ordered.push(c)
      continue
    }
    // Validators' reputation (1 = every sampled answer matched) weighs like the error rate.
    const distrust = 1 - stats.reputation
    let score: number
    switch (sort) {
      case 'price':
        score = c.priceScore * 1e6 + stats.latencyMs / 1e3 + distrust * 1e6
        break
      case 'latency':
        score = stats.latencyMs + (stats.errorRate + distrust) * 10_000
        break
      case 'throughput':
        score = stats.msPerToken + (stats.errorRate + distrust) * 10_000
        break
      default:
        // Relative price and speed (1 = best), error rate and load as penalties, stake as a small bonus.
        score =
          c.priceScore * perPrice +
          (stats.msPerToken || 1) * perSpeed +
          (stats.errorRate + distrust) * 5 +
          stats.inFlight * 0.1 -
          c.stakeScore * perStake
    }
    if (best.length === need && score >= (bestScores[need - 1] ?? Number.POSITIVE_INFINITY)) continue
    let i = best.length < need ? best.length : need - 1
    while (i > 0 && (bestScores[i - 1] ?? 0) > score) {
      best[i] = best[i - 1] as Candidate
      bestScores[i] = bestScores[i - 1] as number
      i--
    }
    best[i] = c
    bestScores[i] = score
  }
  if (eligible === 0 && upButBelowFloor > 0) return rankProviders({ ...params, belowFloorAllowed: true })
  if (eligible === 0) throw explainNoMatch(params, only, ignore, now)
  if (order) ordered.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0))
  return ordered.concat(best).slice(0, need)
}

type Scales = { minPrice: number; minSpeed: number; maxStake: number; at: number }
const scaleCache = new WeakMap<readonly Candidate[], Scales>()

/** The cheapest blended price, fastest speed and largest stake among a model's offers. */
function scalesOf(candidates: readonly Candidate[], now: number): Scales {
  const cached = scaleCache.get(candidates)
  if (cached && now - cached.at < 1000) return cached
  const scales: Scales = {
    minPrice: Number.POSITIVE_INFINITY,
    minSpeed: Number.POSITIVE_INFINITY,
    maxStake: 0,
    at: now,
  }
  for (const c of candidates) {
    if (c.priceScore < scales.minPrice) scales.minPrice = c.priceScore
    const speed = c.stats.msPerToken || 1
    if (speed < scales.minSpeed) scales.minSpeed = speed
    if (c.stakeScore > scales.maxStake) scales.maxStake = c.stakeScore
  }
  scaleCache.set(candidates, scales)
  return scales
}

/** The 503 (or 404) that tells the customer why no offer is left. */
function explainNoMatch(
  params: RankProvidersParameters,
  only: Set<string> | undefined,
  ignore: Set<string> | undefined,
  now: number,
): GatewayError {
  const maxIn = params.preferences?.maxPrice?.prompt
  const maxOut = params.preferences?.maxPrice?.completion
  let excludedByList = 0
  let excludedByPrice = 0
  let unavailable = 0
  let belowFloor = 0
  let cheapestIn: bigint | undefined
  let cheapestOut: bigint | undefined
  for (const c of params.candidates) {
    if ((only && !only.has(c.key)) || ignore?.has(c.key)) {
      excludedByList++
      continue
    }
    if (cheapestIn === undefined || c.pricePerMInput < cheapestIn) cheapestIn = c.pricePerMInput
    if (cheapestOut === undefined || c.pricePerMOutput < cheapestOut) cheapestOut = c.pricePerMOutput
    if (
      (maxIn !== undefined && c.pricePerMInput > maxIn) ||
      (maxOut !== undefined && c.pricePerMOutput > maxOut)
    ) {
      excludedByPrice++
      continue
    }
    if (!c.stats.active) belowFloor++
    else if (!c.stats.healthy || c.stats.suspendedUntil > now) unavailable++
  }
  const reasons: string[] = []
  if (excludedByList) reasons.push(`${excludedByList} excluded by provider.only/ignore`)
  if (excludedByPrice) {
    reasons.push(
      `${excludedByPrice} above max_price (cheapest: ${formatMesh(cheapestIn ?? 0n)} MESH per 1M prompt tokens, ${formatMesh(cheapestOut ?? 0n)} per 1M completion tokens)`,
    )
  }
  if (unavailable) reasons.push(`${unavailable} unhealthy or suspended after errors`)
  if (belowFloor) reasons.push(`${belowFloor} below the uptime floor validators reported last epoch`)
  return new GatewayError(
    `No provider can serve '${params.model}' for this request: of ${params.candidates.length} offering it, ${reasons.join('; ')}.`,
    { status: 503, code: 'no_provider_available', retryable: excludedByPrice === 0 && excludedByList === 0 },
  )
}
