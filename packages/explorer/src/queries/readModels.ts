import type { Sql } from '@infermesh/node/database'
import { median } from './median.js'
import { readModelShares } from './readModelShares.js'

/**
 * Every model registered in the ModelRegistry or offered by an active provider: its providers, price
 * range and median (MESH wei per 1M tokens), royalty rate in force, a scheduled royalty rise not yet in
 * force, and royalties and volume from Payments.Redeemed and Paid (on-chain jobs). A rise (RoyaltyIncreaseScheduled) applies at
 * its effectiveAt with no event, unless a later RoyaltySet replaced it; `now` is the chain's time in
 * seconds (default the clock's). A model's revenue-share token, holders and offering come with it
 * (`readModelShares`).
 */
export async function readModels(db: Sql, now = BigInt(Math.floor(Date.now() / 1000))) {
  const models = await db.query<Record<string, string | number>>(
    `select model_id, name, uri, owner, royalty_bps, royalty_receiver from models`,
  )
  // The last royalty event per model: a scheduled rise counts only when nothing set the rate after it.
  const lastRoyalty = await db.query<{
    model_id: string
    name: string
    bps: string | null
    at: string | null
  }>(
    `select distinct on (args->>'modelId') args->>'modelId' as model_id, name,
       args->>'royaltyBps' as bps, args->>'effectiveAt' as at
     from chain_events where contract = 'models' and name in ('RoyaltySet', 'RoyaltyIncreaseScheduled')
     order by args->>'modelId', block_number desc, log_index desc`,
  )
  const rises = new Map(
    lastRoyalty
      .filter((row) => row.name === 'RoyaltyIncreaseScheduled' && row.bps !== null && row.at !== null)
      .map((row) => [
        row.model_id.toLowerCase(),
        { bps: Number(row.bps), effectiveAt: BigInt(row.at as string) },
      ]),
  )
  const offers = await db.query<{ model_id: string; provider: string; price_in: string; price_out: string }>(
    `select o.model_id, o.provider, o.price_in::text, o.price_out::text from offers o
     join providers p on p.address = o.provider and p.active
     where coalesce((select stake from accounts a where a.address = o.provider), 0)
       >= coalesce((select value::numeric from parameters where name = 'minStake'), 0)`,
  )
  const paid = await db.query<{ model_id: string; royalty: string; amount: string; redemptions: number }>(
    `select model_id, sum(royalty)::text as royalty, sum(amount)::text as amount, sum(redemptions)::int as redemptions
     from earnings group by model_id`,
  )
  const shares = await readModelShares(db, now)
  const ids = new Set([...models.map((m) => String(m.model_id)), ...offers.map((o) => o.model_id)])
  return [...ids].map((id) => {
    const model = models.find((m) => m.model_id === id)
    const mine = offers.filter((o) => o.model_id === id)
    const ins = mine.map((o) => BigInt(o.price_in))
    const outs = mine.map((o) => BigInt(o.price_out))
    const sorted = (values: bigint[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const min = (values: bigint[]) => (sorted(values)[0] ?? 0n).toString()
    const max = (values: bigint[]) => (sorted(values).at(-1) ?? 0n).toString()
    const money = paid.find((p) => p.model_id === id)
    return {
      modelId: id,
      name: model ? String(model.name) : null,
      uri: model ? String(model.uri) : '',
      owner: model ? String(model.owner) : null,
      ...royaltyOf(model ? Number(model.royalty_bps) : 0, rises.get(id.toLowerCase()), now),
      royaltyReceiver: model ? String(model.royalty_receiver) : null,
      providers: mine.map((o) => ({ address: o.provider, priceIn: o.price_in, priceOut: o.price_out })),
      priceIn: { min: min(ins), median: (median(ins) ?? 0n).toString(), max: max(ins) },
      priceOut: { min: min(outs), median: (median(outs) ?? 0n).toString(), max: max(outs) },
      royaltiesEarned: money?.royalty ?? '0',
      volume: money?.amount ?? '0',
      redemptions: money?.redemptions ?? 0,
      /** Its revenue-share token and offering (issue 15), or null. */
      shares: shares.get(id.toLowerCase()) ?? null,
    }
  })
}

/** The rate in force and the rise still pending, from the stored rate and the last scheduled rise. */
function royaltyOf(stored: number, rise: { bps: number; effectiveAt: bigint } | undefined, now: bigint) {
  if (!rise) return { royaltyBps: stored, pendingRoyalty: null }
  if (rise.effectiveAt <= now) return { royaltyBps: rise.bps, pendingRoyalty: null }
  return { royaltyBps: stored, pendingRoyalty: { bps: rise.bps, effectiveAt: Number(rise.effectiveAt) } }
}
