import type { Sql } from '@infermesh/node/database'

/** One epoch's books in VerificationFees, in MESH wei (decimal strings). */
export type FeeEpoch = {
  epoch: string
  /** Added by `fund` (Payments' share of the flushed burn, or anyone). */
  funded: string
  /** Rolled over into it from earlier epochs. */
  rolledIn: string
  /** funded + rolledIn: `poolOf(epoch)`. */
  pool: string
  /** Vote points credited in it, all validators together: `votesOf(epoch)`. */
  votes: number
  /** The cap of a vote's fee in force at its first booking; null when the explorer never saw one. */
  cap: string | null
  /**
   * `min(pool / votes, cap)`, 0 without votes: what each point is paid. Final once the epoch has ended;
   * for the current epoch, what a point would be worth if it ended now (like the contract's view).
   */
  feePerVote: string
  /** What claims paid from it so far. */
  claimed: string
  /** What the cap and the rounding left (or the whole pool, without votes), once rolled over; else null. */
  rolledOver: string | null
  /** The epoch it was rolled over to. */
  rolledTo: string | null
}

/** What one validator earned for checks, in MESH wei (decimal strings). */
export type ValidatorFees = {
  /** Committee vote points credited (VotesCredited), all epochs. */
  votes: number
  /** Σ its points × feePerVote of their epoch (the current epoch's at its present value). */
  voteFees: string
  /** What its claims paid (FeesClaimed). */
  voteFeesClaimed: string
  /**
   * Per-sample fees: Payments.Redeemed on VERIFICATION_MODEL_ID with it as the voucher's provider.
   * `amount` is what payers paid, `earned` what it kept (amount − burned − royalty).
   */
  samples: { redemptions: number; amount: string; burned: string; earned: string }
}

/** A validator that earned nothing yet. */
export const noFees: ValidatorFees = {
  votes: 0,
  voteFees: '0',
  voteFeesClaimed: '0',
  samples: { redemptions: 0, amount: '0', burned: '0', earned: '0' },
}

/** `min(pool / votes, cap)` in SQL over a `fee_epochs` row `e`; 0 without votes; uncapped without a cap. */
const feePerVote = `case when e.votes = 0 then 0
  else least(div(e.funded + e.rolled_in, e.votes), coalesce(e.cap, div(e.funded + e.rolled_in, e.votes))) end`

/**
 * Verification fees as the chain's events tell them: per epoch of VerificationFees (newest first, at most
 * `limit`), the pool, votes, fee per vote, claims and roll-over; the totals (`held` is what the contract
 * holds: everything funded minus everything claimed, roll-overs staying inside); and per validator (keyed
 * by lower-case address) its vote points, vote fees, claims and per-sample fees.
 */
export async function readVerificationFees(db: Sql, options: { limit?: number } = {}) {
  const epochs = await db.query<Record<string, string | number | null>>(
    `select e.epoch::text, e.funded::text, e.rolled_in::text, (e.funded + e.rolled_in)::text as pool,
       e.votes::int as votes, e.cap::text, (${feePerVote})::text as fee_per_vote, e.claimed::text,
       e.rolled_out::text, e.rolled_to::text
     from fee_epochs e order by e.epoch desc limit $1`,
    [options.limit ?? 50],
  )
  const [totals] = await db.query<Record<string, string | number>>(
    `select coalesce(sum(funded), 0)::text as funded, coalesce(sum(claimed), 0)::text as claimed,
       coalesce(sum(rolled_out), 0)::text as rolled_over, coalesce(sum(votes), 0)::int as votes,
       coalesce(sum(funded - claimed), 0)::text as held
     from fee_epochs`,
  )
  const [samples] = await db.query<Record<string, string | number>>(
    `select coalesce(sum(redemptions), 0)::int as redemptions, coalesce(sum(amount), 0)::text as amount,
       coalesce(sum(earned), 0)::text as earned from sample_fees`,
  )
  const shares = await db.query<Record<string, string | number>>(
    `select s.validator, sum(s.votes)::int as votes, coalesce(sum(s.claimed), 0)::text as claimed,
       sum(s.votes * (${feePerVote}))::text as fees
     from fee_shares s join fee_epochs e on e.epoch = s.epoch group by s.validator`,
  )
  const sampled = await db.query<Record<string, string | number>>(
    'select validator, redemptions, amount::text, burned::text, earned::text from sample_fees',
  )
  const byValidator: Record<string, ValidatorFees> = {}
  const of = (validator: string) => {
    byValidator[validator] ??= { ...noFees, samples: { ...noFees.samples } }
    return byValidator[validator]
  }
  for (const row of shares)
    Object.assign(of(String(row.validator)), {
      votes: Number(row.votes),
      voteFees: String(row.fees),
      voteFeesClaimed: String(row.claimed),
    })
  for (const row of sampled)
    of(String(row.validator)).samples = {
      redemptions: Number(row.redemptions),
      amount: String(row.amount),
      burned: String(row.burned),
      earned: String(row.earned),
    }
  return {
    funded: String(totals?.funded ?? '0'),
    claimed: String(totals?.claimed ?? '0'),
    rolledOver: String(totals?.rolled_over ?? '0'),
    held: String(totals?.held ?? '0'),
    votes: Number(totals?.votes ?? 0),
    samples: {
      redemptions: Number(samples?.redemptions ?? 0),
      amount: String(samples?.amount ?? '0'),
      earned: String(samples?.earned ?? '0'),
    },
    epochs: epochs.map(
      (row): FeeEpoch => ({
        epoch: String(row.epoch),
        funded: String(row.funded),
        rolledIn: String(row.rolled_in),
        pool: String(row.pool),
        votes: Number(row.votes),
        cap: row.cap === null ? null : String(row.cap),
        feePerVote: String(row.fee_per_vote),
        claimed: String(row.claimed),
        rolledOver: row.rolled_out === null ? null : String(row.rolled_out),
        rolledTo: row.rolled_to === null ? null : String(row.rolled_to),
      }),
    ),
    byValidator,
  }
}
