import type { Sql } from '@infermesh/node/database'

/** A dispute as the explorer stores it (amounts in MESH wei as decimal strings). */
export type DisputeRow = {
  id: string
  provider: string
  challenger: string
  model_id: string
  slash_amount: string
  bond: string
  /** Whether the challenger is the validator the payer's sample named (only it earns a reward). */
  assigned: boolean | null
  /** `escalated`: no majority of the full committee yet, a new round is to be drawn. */
  status: 'open' | 'voting' | 'escalated' | 'resolved'
  /** The current round (1-based; 0 before the first draw). */
  round: number
  /** The block whose hash seeds the next draw, once known. */
  draw_block: string | null
  /** Every member ever drawn, round after round. */
  members: string[]
  commit_ends: Date | string | null
  reveal_ends: Date | string | null
  outcome: 'guilty' | 'innocent' | 'void' | 'unknown' | null
  guilty: boolean | null
  slashed: string | null
  challenger_reward: string | null
  bond_to_committee: string | null
  absentees: string | null
  opened_block: string
  opened_at: Date | string
  resolved_at: Date | string | null
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

/** Rows by key, each group in the rows' order. */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const group = groups.get(key(row))
    if (group) group.push(row)
    else groups.set(key(row), [row])
  }
  return groups
}

/**
 * Disputes (the Disputes contract's events, when it is deployed), each with its timeline, its committee
 * round by round with each member's commit and reveal, and its outcome (guilty, innocent or void); and
 * every slash (Registry.Slashed), which is all there is before disputes exist.
 */
export async function readDisputes(db: Sql) {
  const disputes = await db.query<DisputeRow>(
    `select id::text, provider, challenger, model_id, slash_amount::text, bond::text, assigned, status, round,
       draw_block::text, members, commit_ends, reveal_ends, outcome, guilty, slashed::text, challenger_reward::text,
       bond_to_committee::text, absentees::text, opened_block::text, opened_at, resolved_at
     from disputes order by id desc`,
  )
  const rounds = await db.query<{
    dispute_id: string
    round: number
    members: string[]
    commit_ends: Date | string | null
    reveal_ends: Date | string | null
    drawn_at: Date | string
    escalated_at: Date | string | null
  }>(
    `select dispute_id::text, round, members, commit_ends, reveal_ends, drawn_at, escalated_at
     from dispute_rounds order by dispute_id, round`,
  )
  const votes = await db.query<{
    dispute_id: string
    member: string
    round: number
    committed_at: Date | string | null
    guilty: boolean | null
    revealed_at: Date | string | null
    penalty: string | null
  }>(
    `select dispute_id::text, member, round, committed_at, guilty, revealed_at, penalty::text from dispute_votes
     order by coalesce(revealed_at, committed_at), member`,
  )
  const slashes = await db.query<{
    t: Date | string
    args: Record<string, string>
    tx_hash: string
    block_number: string
  }>(
    `select timestamp as t, args, tx_hash, block_number::text from chain_events where name = 'Slashed'
     order by block_number desc, log_index desc`,
  )
  const vote = (v: (typeof votes)[number]) => ({
    member: v.member,
    round: v.round,
    committedAt: iso(v.committed_at),
    /** Null until revealed (a commitment hides the vote). */
    guilty: v.revealed_at === null ? null : v.guilty,
    revealedAt: iso(v.revealed_at),
    /** MESH wei it owes for not revealing in its round (burned when collected); null when it revealed. */
    penalty: v.penalty,
  })
  // Grouped once per request (query order kept), not filtered again for every dispute and round.
  const roundsOf = groupBy(rounds, (r) => r.dispute_id)
  const votesOf = groupBy(votes, (v) => v.dispute_id)
  return {
    disputes: disputes.map((d) => ({
      ...d,
      opened_at: new Date(d.opened_at).toISOString(),
      commit_ends: iso(d.commit_ends),
      reveal_ends: iso(d.reveal_ends),
      resolved_at: iso(d.resolved_at),
      rounds: (roundsOf.get(d.id) ?? []).map((r) => ({
        round: r.round,
        members: r.members,
        commitEnds: iso(r.commit_ends),
        revealEnds: iso(r.reveal_ends),
        drawnAt: new Date(r.drawn_at).toISOString(),
        escalatedAt: iso(r.escalated_at),
        votes: (votesOf.get(d.id) ?? []).filter((v) => v.round === r.round).map(vote),
      })),
      votes: (votesOf.get(d.id) ?? []).map(vote),
    })),
    slashes: slashes.map((row) => ({
      t: new Date(row.t).toISOString(),
      block: row.block_number,
      tx: row.tx_hash,
      account: row.args.account,
      slasher: row.args.slasher,
      recipient: row.args.recipient,
      amount: (BigInt(row.args.fromStake ?? 0) + BigInt(row.args.fromUnbonding ?? 0)).toString(),
    })),
  }
}
