import type { Sql } from '@infermesh/node/database'

/** A dispute as the explorer stores it (amounts in MESH wei as decimal strings). */
export type DisputeRow = {
  id: string
  provider: string
  challenger: string
  model_id: string
  slash_amount: string
  bond: string
  status: 'open' | 'voting' | 'resolved'
  members: string[]
  voting_ends: Date | string | null
  guilty: boolean | null
  slashed: string | null
  challenger_reward: string | null
  absentees: number | null
  opened_block: string
  opened_at: Date | string
  resolved_at: Date | string | null
}

/**
 * Disputes (the Disputes contract's events, when it is deployed), each with its timeline, committee,
 * votes and outcome; and every slash (Registry.Slashed), which is all there is before disputes exist.
 */
export async function readDisputes(db: Sql) {
  const disputes = await db.query<DisputeRow>(
    `select id::text, provider, challenger, model_id, slash_amount::text, bond::text, status, members,
       voting_ends, guilty, slashed::text, challenger_reward::text, absentees, opened_block::text, opened_at, resolved_at
     from disputes order by id desc`,
  )
  const votes = await db.query<{ dispute_id: string; member: string; guilty: boolean; at: Date | string }>(
    'select dispute_id::text, member, guilty, at from dispute_votes order by at',
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
  return {
    disputes: disputes.map((d) => ({
      ...d,
      opened_at: new Date(d.opened_at).toISOString(),
      voting_ends: d.voting_ends ? new Date(d.voting_ends).toISOString() : null,
      resolved_at: d.resolved_at ? new Date(d.resolved_at).toISOString() : null,
      votes: votes
        .filter((v) => v.dispute_id === d.id)
        .map((v) => ({ member: v.member, guilty: v.guilty, at: new Date(v.at).toISOString() })),
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
