/** Counters the explorer reads from a provider's public /metrics (Prometheus text). */
export type ProviderCounters = { requests: number; tokensIn: number; tokensOut: number }

/**
 * Sums a provider's counters across labels: requests answered with status 200
 * (`infermesh_provider_requests_total`), prompt and generated tokens served.
 *
 * @example
 * parseProviderMetrics('infermesh_provider_requests_total{route="/v1/chat/completions",model="tiny",status="200"} 3')
 * // { requests: 3, tokensIn: 0, tokensOut: 0 }
 */
export function parseProviderMetrics(text: string): ProviderCounters {
  const counters: ProviderCounters = { requests: 0, tokensIn: 0, tokensOut: 0 }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/)
    if (!match) continue
    const [, name, labels = '', raw] = match
    const value = Number(raw)
    if (!Number.isFinite(value)) continue
    if (name === 'infermesh_provider_requests_total' && /status="200"/.test(labels))
      counters.requests += value
    else if (name === 'infermesh_provider_tokens_in_total') counters.tokensIn += value
    else if (name === 'infermesh_provider_tokens_out_total') counters.tokensOut += value
  }
  return counters
}
