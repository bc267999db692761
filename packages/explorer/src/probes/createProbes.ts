import type { Database } from '@infermesh/node/database'
import { parseProviderMetrics } from './parseProviderMetrics.js'

export type ProbesOptions = {
  db: Database
  intervalMs: number
  timeoutMs: number
  log: { warn: (obj: object) => void }
  /** Called after each round with the number of providers whose counters moved. */
  onRound?: (changed: number) => void
}

/**
 * Reads every registered provider's public `/health` and `/metrics` each `intervalMs` and stores one
 * sample per provider: whether it answered (uptime as this explorer sees it), its latency, and its
 * request and token counters (the chain only knows redemptions, not requests). Samples older than
 * 7 days are dropped.
 */
export function createProbes(options: ProbesOptions) {
  const { db } = options
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> | undefined
  let stopped = false
  const last = new Map<string, string>()

  async function probeOne(provider: { address: string; endpoint: string }) {
    const started = performance.now()
    const base = provider.endpoint.replace(/\/+$/, '')
    const signal = AbortSignal.timeout(options.timeoutMs)
    try {
      const health = await fetch(`${base}/health`, { signal })
      if (!health.ok) throw new Error(`status ${health.status}`)
      const latency = Math.round(performance.now() - started)
      const metrics = await fetch(`${base}/metrics`, { signal })
        .then((response) => (response.ok ? response.text() : ''))
        .catch(() => '')
      const counters = metrics ? parseProviderMetrics(metrics) : undefined
      return { ok: true, latency, counters }
    } catch {
      return { ok: false, latency: null, counters: undefined }
    }
  }

  async function runRound() {
    const providers = await db.query<{ address: string; endpoint: string }>(
      'select address, endpoint from providers where active',
    )
    const at = new Date()
    const results = await Promise.all(providers.map(async (p) => ({ p, result: await probeOne(p) })))
    let changed = 0
    for (const { p, result } of results) {
      await db.query(
        `insert into probes (provider, at, ok, latency_ms, requests, tokens_in, tokens_out) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict do nothing`,
        [
          p.address,
          at,
          result.ok,
          result.latency,
          result.counters?.requests ?? null,
          result.counters?.tokensIn ?? null,
          result.counters?.tokensOut ?? null,
        ],
      )
      const key = `${result.ok}:${result.counters?.requests}:${result.counters?.tokensOut}`
      if (last.get(p.address) !== key) changed++
      last.set(p.address, key)
    }
    await db.query(`delete from probes where at < now() - interval '7 days'`)
    options.onRound?.(changed)
  }

  return {
    /** One round now (tests, and the first one at start). */
    runOnce: async () => {
      round = runRound()
      await round
    },
    start() {
      stopped = false
      const tick = async () => {
        round = runRound().catch((error: Error) =>
          options.log.warn({ msg: 'probe round failed', err: error.message }),
        )
        await round
        if (!stopped) timer = setTimeout(tick, options.intervalMs)
      }
      void tick()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await round?.catch(() => {})
    },
  }
}
