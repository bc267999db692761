import type { Address } from 'viem'
import type { CandidateStats } from './types.js'

export type ProviderStatsOptions = {
  /** Weight of the newest sample in the moving averages. */
  alpha?: number
  /** Consecutive failures that open the circuit breaker. */
  failuresToSuspend?: number
  /** How long a suspended provider is skipped; it is tried again afterwards (half-open). */
  suspendMs?: number
}

/**
 * Live measurements per provider, as routing reads them: latency and speed as EWMAs, error rate,
 * requests in flight, health from probes, and a circuit breaker that suspends a provider after
 * consecutive failures.
 */
export function createProviderStats(options: ProviderStatsOptions = {}) {
  const alpha = options.alpha ?? 0.2
  const failuresToSuspend = options.failuresToSuspend ?? 3
  const suspendMs = options.suspendMs ?? 30_000
  const stats = new Map<string, CandidateStats & { failures: number }>()
  const ewma = (old: number, sample: number, first: boolean) =>
    first ? sample : old + alpha * (sample - old)

  function get(provider: Address) {
    const key = provider.toLowerCase()
    let entry = stats.get(key)
    if (!entry) {
      entry = {
        latencyMs: 0,
        msPerToken: 0,
        errorRate: 0,
        inFlight: 0,
        suspendedUntil: 0,
        healthy: true,
        active: true,
        reputation: 1,
        failures: 0,
      }
      stats.set(key, entry)
    }
    return entry
  }

  return {
    get,
    /** A request to the provider started. */
    started(provider: Address) {
      get(provider).inFlight++
    },
    /** A request finished well: record its speed and close the breaker. */
    succeeded(provider: Address, sample: { latencyMs: number; msPerToken?: number }) {
      const entry = get(provider)
      entry.inFlight = Math.max(0, entry.inFlight - 1)
      const first = entry.latencyMs === 0
      entry.latencyMs = ewma(entry.latencyMs, sample.latencyMs, first)
      if (sample.msPerToken !== undefined && Number.isFinite(sample.msPerToken)) {
        entry.msPerToken = ewma(entry.msPerToken, sample.msPerToken, entry.msPerToken === 0)
      }
      entry.errorRate = ewma(entry.errorRate, 0, false)
      entry.failures = 0
      entry.suspendedUntil = 0
    },
    /** A request failed on the provider's side (connect error, 5xx, timeout, bad receipt). */
    failed(provider: Address, now = Date.now()) {
      const entry = get(provider)
      entry.inFlight = Math.max(0, entry.inFlight - 1)
      entry.errorRate = ewma(entry.errorRate, 1, false)
      entry.failures++
      if (entry.failures >= failuresToSuspend) entry.suspendedUntil = now + suspendMs
    },
    /** A request ended for a reason that says nothing about the provider (client error, abort). */
    released(provider: Address) {
      const entry = get(provider)
      entry.inFlight = Math.max(0, entry.inFlight - 1)
    },
    /** What validators say: uptime above the floor last epoch, and the re-execution reputation. */
    judged(provider: Address, judgement: { active?: boolean; reputation?: number }) {
      const entry = get(provider)
      if (judgement.active !== undefined) entry.active = judgement.active
      if (judgement.reputation !== undefined)
        entry.reputation = Math.min(1, Math.max(0, judgement.reputation))
    },
    /** The result of a health probe. */
    probed(provider: Address, healthy: boolean, latencyMs?: number) {
      const entry = get(provider)
      entry.healthy = healthy
      if (healthy && latencyMs !== undefined && entry.latencyMs === 0) entry.latencyMs = latencyMs
    },
  }
}

export type ProviderStats = ReturnType<typeof createProviderStats>
