import type { Sql } from '@infermesh/node/database'
import { readActivity } from './readActivity.js'

/** A provider as the explorer lists it. Amounts in MESH wei (decimal strings). */
export type ProviderRow = {
  address: string
  /** Registered and staked at least the Registry's minStake: what the Registry calls active (routable). */
  active: boolean
  /** Registered in the Registry (and not unregistered since), whatever its stake. */
  registered: boolean
  online: boolean
  endpoint: string
  region: string
  gpuModel: string
  gpuCount: number
  vramMb: number
  cpuCores: number
  ramMb: number
  registeredAt: string
  stake: string
  unbonding: string
  slashed: string
  /** Open disputes freezing its stake (Registry.frozenOf): it cannot withdraw meanwhile. */
  frozen: number
  offers: { modelId: string; model: string; priceIn: string; priceOut: string }[]
  earned: string
  redemptions: number
  /**
   * Share of the explorer's probes in the last 24 h it answered, counted from its first answer (all probes
   * when it never answered); null before the first probe.
   */
  uptime: number | null
  latencyMs: number | null
  /** Requests answered since the provider started (its /metrics), null when unknown. */
  requestsServed: number | null
  requestsLastMinute: number
  tokensLastMinute: number
  profile: string
}

/**
 * Every provider the Registry has seen, with stake, offers, earnings (Payments.Redeemed) and what
 * the explorer measured (uptime, latency, requests). `onlineWithinMs`: the newest probe must be that
 * recent and successful for a provider to count as online.
 */
export async function readProviders(
  db: Sql,
  options: { onlineWithinMs: number; address?: string },
): Promise<ProviderRow[]> {
  const filter = options.address ? 'where p.address = $1' : ''
  const rows = await db.query<Record<string, unknown>>(
    `select p.*, coalesce(a.stake, 0)::text as stake, coalesce(a.unbonding, 0)::text as unbonding,
       coalesce(a.slashed, 0)::text as slashed, coalesce(a.frozen, 0)::text as frozen,
       coalesce((select sum(earned) from earnings e where e.provider = p.address), 0)::text as earned,
       coalesce((select sum(redemptions) from earnings e where e.provider = p.address), 0)::int as redemptions,
       (select avg(case when ok then 1.0 else 0.0 end) from probes q
          where q.provider = p.address and q.at > now() - interval '24 hours'
            -- from its first answer on: probes while it was still starting do not count against it
            and q.at >= coalesce((select min(at) from probes f where f.provider = p.address and f.ok), '-infinity'))::float as uptime,
       (select row_to_json(l) from (select ok, at, latency_ms from probes q where q.provider = p.address
          order by at desc limit 1) l) as last_probe,
       coalesce(pr.text, '') as profile
     from providers p left join accounts a on a.address = p.address left join profiles pr on pr.provider = p.address
     ${filter}
     order by p.registered_block, p.address`,
    options.address ? [options.address.toLowerCase()] : [],
  )
  const [minimum] = await db.query<{ value: string }>(`select value from parameters where name = 'minStake'`)
  const minStake = BigInt(minimum?.value ?? 0)
  const offers = await db.query<{
    provider: string
    model_id: string
    price_in: string
    price_out: string
    name: string | null
  }>(
    `select o.provider, o.model_id, o.price_in::text, o.price_out::text, m.name
     from offers o left join models m on m.model_id = o.model_id order by o.model_id`,
  )
  const activity = await readActivity(db)
  return rows.map((row) => {
    const address = String(row.address)
    const last = row.last_probe as { ok: boolean; at: string; latency_ms: number | null } | null
    const seen = activity.get(address)
    const registered = Boolean(row.active)
    return {
      address,
      active: registered && BigInt(String(row.stake)) >= minStake,
      registered,
      online: registered && !!last?.ok && Date.now() - new Date(last.at).getTime() <= options.onlineWithinMs,
      endpoint: String(row.endpoint),
      region: String(row.region),
      gpuModel: String(row.gpu_model),
      gpuCount: Number(row.gpu_count),
      vramMb: Number(row.vram_mb),
      cpuCores: Number(row.cpu_cores),
      ramMb: Number(row.ram_mb),
      registeredAt: new Date(row.registered_at as string).toISOString(),
      stake: String(row.stake),
      unbonding: String(row.unbonding),
      slashed: String(row.slashed),
      frozen: Number(row.frozen),
      offers: offers
        .filter((offer) => offer.provider === address)
        .map((offer) => ({
          modelId: offer.model_id,
          model: offer.name ?? offer.model_id,
          priceIn: offer.price_in,
          priceOut: offer.price_out,
        })),
      earned: String(row.earned),
      redemptions: Number(row.redemptions),
      uptime: row.uptime === null ? null : Number(row.uptime),
      latencyMs: last?.latency_ms ?? null,
      requestsServed: seen ? seen.total : null,
      requestsLastMinute: seen?.requests ?? 0,
      tokensLastMinute: (seen?.tokensIn ?? 0) + (seen?.tokensOut ?? 0),
      profile: String(row.profile),
    }
  })
}
