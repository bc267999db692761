import type { Sql } from '@infermesh/node/database'

/** Requests and tokens served in the last minute, per provider, from the explorer's /metrics samples. */
export type Activity = Map<string, { requests: number; tokensIn: number; tokensOut: number; total: number }>

type Sample = { provider: string; requests: string; tokens_in: string; tokens_out: string }

/**
 * Per provider: what its counters rose by over the last 60 seconds (the newest sample minus the
 * oldest sample of the last minute; a counter that went down means the provider restarted, and
 * then the newest value counts), and its newest request counter (requests since it started).
 */
export async function readActivity(db: Sql): Promise<Activity> {
  const newest = await db.query<Sample>(
    `select distinct on (provider) provider, requests, tokens_in, tokens_out from probes
     where requests is not null order by provider, at desc`,
  )
  const oldest = await db.query<Sample>(
    `select distinct on (provider) provider, requests, tokens_in, tokens_out from probes
     where requests is not null and at >= now() - interval '60 seconds' order by provider, at asc`,
  )
  const base = new Map(oldest.map((row) => [row.provider, row]))
  const activity: Activity = new Map()
  const rise = (now: string, then: string | undefined) => {
    const a = Number(now)
    const b = Number(then ?? now)
    return a >= b ? a - b : a
  }
  for (const row of newest) {
    const then = base.get(row.provider)
    activity.set(row.provider, {
      requests: then ? rise(row.requests, then.requests) : 0,
      tokensIn: then ? rise(row.tokens_in, then.tokens_in) : 0,
      tokensOut: then ? rise(row.tokens_out, then.tokens_out) : 0,
      total: Number(row.requests),
    })
  }
  return activity
}
