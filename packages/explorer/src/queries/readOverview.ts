import type { Sql } from '@infermesh/node/database'
import { median } from './median.js'
import { readActivity } from './readActivity.js'
import { readEmissions } from './readEmissions.js'
import { readProviders } from './readProviders.js'

const wei = 10n ** 18n
/** MESH wei as a float of MESH, for charts only (figures keep the exact decimal strings). */
export const toMesh = (value: bigint | string) => Number(BigInt(value) / 10n ** 12n) / 1e6

/**
 * The network at a glance. Providers, hardware, offers, supply, emissions, disputes and slashes come from
 * the indexed chain events; online and per-minute activity from the explorer's probes of each provider's
 * public /health and /metrics.
 */
export async function readOverview(db: Sql, options: { onlineWithinMs: number }) {
  const providers = await readProviders(db, options)
  const active = providers.filter((p) => p.active)
  const gpus = new Map<string, number>()
  for (const p of active) {
    const key = p.gpuCount > 0 ? p.gpuModel || 'unknown GPU' : 'CPU only'
    gpus.set(key, (gpus.get(key) ?? 0) + (p.gpuCount > 0 ? p.gpuCount : 1))
  }
  const regions = new Map<string, number>()
  for (const p of active) regions.set(p.region, (regions.get(p.region) ?? 0) + 1)
  const byModel = new Map<string, { model: string; modelId: string; ins: bigint[]; outs: bigint[] }>()
  for (const p of active)
    for (const offer of p.offers) {
      const entry = byModel.get(offer.modelId) ?? {
        model: offer.model,
        modelId: offer.modelId,
        ins: [],
        outs: [],
      }
      entry.ins.push(BigInt(offer.priceIn))
      entry.outs.push(BigInt(offer.priceOut))
      byModel.set(offer.modelId, entry)
    }
  const activity = [...(await readActivity(db)).values()]

  // Burned = MESH sent to 0 + the burn Payments booked at each redemption or payFor (Redeemed.burned,
  // Paid.burned: an on-chain job's payment) and has not
  // flushed yet: a flush's own Transfer to 0 counts it, so BurnFlushed takes its amount off the booked
  // part. Together: token.totalBurned() + payments.pendingBurn(), event by event.
  const supplyRows = await db.query<{ t: Date | string; minted: string; burned: string }>(
    `select timestamp as t,
       case when contract = 'token' and args->>'from' = '0x0000000000000000000000000000000000000000'
         then args->>'value' else '0' end as minted,
       case
         when contract = 'token' and args->>'to' = '0x0000000000000000000000000000000000000000' then args->>'value'
         when contract = 'payments' and name in ('Redeemed', 'Paid') then args->>'burned'
         when contract = 'payments' and name = 'BurnFlushed' then '-' || (args->>'amount')
         else '0' end as burned
     from chain_events
     where (contract = 'token' and name = 'Transfer') or (contract = 'payments' and name in ('Redeemed', 'Paid', 'BurnFlushed'))
     order by block_number, log_index`,
  )
  let minted = 0n
  let burned = 0n
  const points: { t: string; minted: number; burned: number }[] = []
  for (const row of supplyRows) {
    minted += BigInt(row.minted)
    burned += BigInt(row.burned)
    const t = new Date(row.t).toISOString()
    const point = { t, minted: toMesh(minted), burned: toMesh(burned) }
    if (points.at(-1)?.t === t) points[points.length - 1] = point
    else points.push(point)
  }
  // The totals hold until now: the chart's last step reaches the present.
  if (points.length > 0)
    points.push({ t: new Date().toISOString(), minted: toMesh(minted), burned: toMesh(burned) })
  const step = Math.max(1, Math.ceil(points.length / 300))
  const series = points.filter((_, i) => i % step === 0 || i === points.length - 1)

  const [disputes] = await db.query<{ open: number; total: number }>(
    `select count(*) filter (where status <> 'resolved')::int as open, count(*)::int as total from disputes`,
  )
  const [slashes] = await db.query<{ count: number; amount: string }>(
    `select count(*)::int as count,
       coalesce(sum((args->>'fromStake')::numeric + (args->>'fromUnbonding')::numeric), 0)::text as amount
     from chain_events where name = 'Slashed'`,
  )
  return {
    providers: { registered: active.length, online: active.filter((p) => p.online).length },
    gpus: [...gpus].map(([model, count]) => ({ model, count })).sort((a, b) => b.count - a.count),
    regions: [...regions].map(([region, count]) => ({ region, count })).sort((a, b) => b.count - a.count),
    totalVramMb: active.reduce((sum, p) => sum + p.vramMb, 0),
    totalStake: active.reduce((sum, p) => sum + BigInt(p.stake), 0n).toString(),
    modelsOffered: byModel.size,
    lastMinute: {
      requests: activity.reduce((sum, a) => sum + a.requests, 0),
      tokens: activity.reduce((sum, a) => sum + a.tokensIn + a.tokensOut, 0),
      requestsServed: activity.reduce((sum, a) => sum + a.total, 0),
    },
    prices: [...byModel.values()].map((entry) => ({
      model: entry.model,
      modelId: entry.modelId,
      providers: entry.ins.length,
      medianIn: (median(entry.ins) ?? 0n).toString(),
      medianOut: (median(entry.outs) ?? 0n).toString(),
    })),
    supply: {
      minted: minted.toString(),
      burned: burned.toString(),
      circulating: (minted - burned).toString(),
      series,
    },
    /** MESH minted by emissions (Emissions.Claimed, part of `supply.minted`), by epoch. */
    emissions: await readEmissions(db, { limit: 20 }),
    disputes: { open: disputes?.open ?? 0, total: disputes?.total ?? 0 },
    slashes: { count: slashes?.count ?? 0, amount: slashes?.amount ?? '0' },
    meshPerToken: wei.toString(),
  }
}
