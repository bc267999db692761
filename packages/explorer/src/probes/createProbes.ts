import { peerFetch, readBoundedText } from '@infermesh/client'
import type { Database } from '@infermesh/node/database'
import { type ProviderCounters, parseProviderMetrics } from './parseProviderMetrics.js'

export type ProbesOptions = {
  db: Database
  intervalMs: number
  /** The whole probe of one provider (/health, then /metrics), in milliseconds. */
  timeoutMs: number
  /** Call providers at loopback, private and link-local addresses: a devnet only (config `allowPrivatePeers`). */
  allowPrivatePeers?: boolean
  log: { warn: (obj: object) => void }
  /** Called after each round with the number of providers whose counters moved. */
  onRound?: (changed: number) => void
}

/** The most of a provider's /metrics read (Prometheus text); a longer one is cut off and ignored. */
export const maxMetricsBytes = 1024 * 1024

/** Counters that fit the `probes` columns (bigint), else none: a provider writes whatever it likes. */
function storable(counters: ProviderCounters): ProviderCounters | undefined {
  const fits = (value: number) => Number.isSafeInteger(value) && value >= 0
  return fits(counters.requests) && fits(counters.tokensIn) && fits(counters.tokensOut) ? counters : undefined
}

/**
 * Reads every registered provider's public `/health` and `/metrics` each `intervalMs` and stores one
 * sample per provider: whether it answered (uptime as this explorer sees it), its latency, and its
 * request and token counters (the chain only knows redemptions, not requests). Samples older than
 * 7 days are dropped.
 *
 * An endpoint is whatever its provider wrote in the Registry, so every call goes through `peerFetch`:
 * redirects are never followed (a redirect is a failed probe), loopback, private and link-local
 * (metadata) addresses are refused unless `allowPrivatePeers`, the whole probe must finish within
 * `timeoutMs`, and at most 1 MiB of /metrics is read. Counters that are not whole numbers in range
 * are ignored; /health counts only by its status.
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
    const allowPrivate = options.allowPrivatePeers ?? false
    try {
      const health = await peerFetch(`${base}/health`, { allowPrivate, deadlineMs: options.timeoutMs })
      // Only the status counts: the body is not read.
      await health.body?.cancel().catch(() => {})
      if (health.status < 200 || health.status >= 300) throw new Error(`status ${health.status}`)
      const latency = Math.round(performance.now() - started)
      // What is left of the probe's time, for /metrics.
      const left = Math.max(1, Math.round(options.timeoutMs - (performance.now() - started)))
      const metrics = await peerFetch(`${base}/metrics`, { allowPrivate, deadlineMs: left })
        .then(async (response) => {
          if (response.status === 200) return readBoundedText(response, { maxBytes: maxMetricsBytes })
          await response.body?.cancel().catch(() => {})
          return ''
        })
        .catch(() => '')
      const counters = metrics ? storable(parseProviderMetrics(metrics)) : undefined
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
