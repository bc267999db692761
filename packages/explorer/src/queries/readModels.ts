import type { Sql } from '@infermesh/node/database'
import { median } from './median.js'

/**
 * Every model registered in the ModelRegistry or offered by an active provider: its providers, price
 * range and median (MESH wei per 1M tokens), royalty rate, and royalties and volume from
 * Payments.Redeemed.
 */
export async function readModels(db: Sql) {
  const models = await db.query<Record<string, string | number>>(
    `select model_id, name, uri, owner, royalty_bps, royalty_receiver from models`,
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
      royaltyBps: model ? Number(model.royalty_bps) : 0,
      royaltyReceiver: model ? String(model.royalty_receiver) : null,
      providers: mine.map((o) => ({ address: o.provider, priceIn: o.price_in, priceOut: o.price_out })),
      priceIn: { min: min(ins), median: (median(ins) ?? 0n).toString(), max: max(ins) },
      priceOut: { min: min(outs), median: (median(outs) ?? 0n).toString(), max: max(outs) },
      royaltiesEarned: money?.royalty ?? '0',
      volume: money?.amount ?? '0',
      redemptions: money?.redemptions ?? 0,
    }
  })
}
