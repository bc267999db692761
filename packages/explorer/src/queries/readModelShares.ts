import type { Sql } from '@infermesh/node/database'

/** The most holders listed per share token (largest first). */
export const maxHoldersListed = 50

/** A model's share token and offering as the explorer shows them; amounts in wei as decimal strings. */
export type ModelSharesInfo = {
  shares: string
  name: string
  symbol: string
  totalSupply: string
  /** Royalties the token pulled from Payments (Payments.RoyaltiesClaimed to it). */
  pulled: string
  /** Royalties its holders claimed (ModelShares.Claimed). */
  claimed: string
  holderCount: number
  holders: { address: string; balance: string }[]
  offering: {
    address: string
    seller: string
    sharesOffered: string
    startPrice: string
    floorPrice: string
    start: number
    end: number
    minRaise: string
    minRoyaltyBps: number
    raised: string
    sold: string
    refunded: string
    delivered: string
    state: 'pending' | 'open' | 'closed' | 'succeeded' | 'failed'
  } | null
}

/**
 * Every model's revenue-share token (ModelSharesFactory.SharesCreated), its holders with their balances
 * (from the token's Transfer events), what it pulled from Payments and its holders claimed, and its
 * offering: terms, raised, sold, refunds, deliveries and state (`now`, the chain's time in seconds, tells
 * pending, open and closed apart before Finalized). Keyed by model id (lower case).
 */
export async function readModelShares(db: Sql, now: bigint): Promise<Map<string, ModelSharesInfo>> {
  const rows = await db.query<Record<string, string | number | null>>(
    `select m.*, m.total_supply::text as supply, m.shares_offered::text as offered, m.start_price::text as sp,
       m.floor_price::text as fp, m.start_at::text as sa, m.end_at::text as ea, m.min_raise::text as mr,
       m.raised::text as r, m.sold::text as so, m.refunded::text as rf, m.delivered::text as dl, m.claimed::text as cl,
       (select coalesce(sum((e.args->>'amount')::numeric), 0)::text from chain_events e
          where e.contract = 'payments' and e.name = 'RoyaltiesClaimed' and e.args->>'receiver' = m.shares) as pulled,
       (select count(*)::int from share_balances b where b.shares = m.shares and b.balance > 0) as holder_count
     from model_shares m`,
  )
  // Ordered by the numeric balance (its text form would put 50,000 before 100,000).
  const holders = await db.query<{ shares: string; holder: string; amount: string }>(
    `select ranked.shares, ranked.holder, ranked.balance::text as amount from (
       select shares, holder, balance, row_number() over (partition by shares order by balance desc, holder) as n
       from share_balances where balance > 0) ranked
     where ranked.n <= $1 order by ranked.shares, ranked.balance desc, ranked.holder`,
    [maxHoldersListed],
  )
  const result = new Map<string, ModelSharesInfo>()
  for (const row of rows) {
    const shares = String(row.shares)
    const offered = BigInt(String(row.offered))
    const start = Number(row.sa)
    const end = Number(row.ea)
    const sold = BigInt(String(row.so))
    const state =
      row.outcome === 'succeeded' || row.outcome === 'failed'
        ? row.outcome
        : now < BigInt(start)
          ? 'pending'
          : now >= BigInt(end) || sold === offered
            ? 'closed'
            : 'open'
    result.set(String(row.model_id).toLowerCase(), {
      shares,
      name: String(row.name),
      symbol: String(row.symbol),
      totalSupply: String(row.supply),
      pulled: String(row.pulled),
      claimed: String(row.cl),
      holderCount: Number(row.holder_count),
      holders: holders
        .filter((h) => h.shares === shares)
        .map((h) => ({ address: h.holder, balance: h.amount })),
      offering:
        offered === 0n
          ? null
          : {
              address: String(row.offering),
              seller: String(row.owner),
              sharesOffered: offered.toString(),
              startPrice: String(row.sp),
              floorPrice: String(row.fp),
              start,
              end,
              minRaise: String(row.mr),
              minRoyaltyBps: Number(row.min_royalty_bps),
              raised: String(row.r),
              sold: sold.toString(),
              refunded: String(row.rf),
              delivered: String(row.dl),
              state,
            },
    })
  }
  return result
}
