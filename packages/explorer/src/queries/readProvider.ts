import type { Sql } from '@infermesh/node/database'
import { VERIFICATION_MODEL_ID } from '@infermesh/protocol'
import { readEmissions } from './readEmissions.js'
import { toMesh } from './readOverview.js'
import { type ProviderRow, readProviders } from './readProviders.js'
import { readVerification } from './readVerification.js'

/**
 * One provider in detail: what `readProviders` lists, plus its uptime history (the explorer's probes
 * in up to 48 buckets over the last 24 h), its earnings over time and its redemptions
 * (Payments.Redeemed, without sample fees it earned as a validator), its slashes (Registry.Slashed), disputes, epoch scores (Uptime.EpochScore, the
 * validators' stake-weighted median) with the floor (the last `FloorSet`, else `uptimeFloor`, the one read
 * from the chain at start), the MESH emissions minted to it (Emissions.Claimed), what validators found
 * re-executing its answers (their reports and reputation) and its profile nonce.
 */
export async function readProvider(
  db: Sql,
  address: string,
  options: { onlineWithinMs: number; uptimeFloor?: number },
) {
  const [provider] = await readProviders(db, { ...options, address })
  if (!provider) return undefined
  const key = address.toLowerCase()
  const [span] = await db.query<{ first: Date | string | null }>(
    `select coalesce(min(at) filter (where ok), min(at)) as first from probes
     where provider = $1 and at > now() - interval '24 hours'`,
    [key],
  )
  let uptimeHistory: { t: string; uptime: number; probes: number }[] = []
  if (span?.first) {
    const from = new Date(span.first).getTime()
    const bucketMs = Math.max(5000, Math.ceil((Date.now() - from) / 48))
    const rows = await db.query<{ bucket: number; ok: number; total: number }>(
      `select floor((extract(epoch from at) * 1000 - $2) / $3)::int as bucket,
         count(*) filter (where ok)::int as ok, count(*)::int as total
       from probes where provider = $1 and at >= to_timestamp($2 / 1000.0) group by 1 order by 1`,
      [key, from, bucketMs],
    )
    uptimeHistory = rows.map((row) => ({
      t: new Date(from + row.bucket * bucketMs).toISOString(),
      uptime: row.ok / row.total,
      probes: row.total,
    }))
  }
  const redemptions = await db.query<{
    t: Date | string
    args: Record<string, string>
    tx_hash: string
    block_number: string
  }>(
    `select timestamp as t, args, tx_hash, block_number::text from chain_events
     where name in ('Redeemed', 'Paid') and args->>'provider' = $1 and lower(args->>'modelId') <> $2
     order by block_number, log_index`,
    // A sample fee (the verification channel) pays the account as a validator: not work it served.
    [key, VERIFICATION_MODEL_ID.toLowerCase()],
  )
  let earned = 0n
  const earningsHistory = redemptions.map((row) => {
    earned += BigInt(row.args.amount ?? 0) - BigInt(row.args.burned ?? 0) - BigInt(row.args.royalty ?? 0)
    return { t: new Date(row.t).toISOString(), earned: toMesh(earned) }
  })
  const slashes = await db.query<{ t: Date | string; args: Record<string, string>; tx_hash: string }>(
    `select timestamp as t, args, tx_hash from chain_events where name = 'Slashed' and args->>'account' = $1
     order by block_number desc`,
    [key],
  )
  const disputes = await db.query<Record<string, unknown>>(
    `select id::text, challenger, status, outcome, guilty, slash_amount::text, opened_at from disputes
     where provider = $1 order by id desc`,
    [key],
  )
  const scores = await db.query<{ epoch: string; score: number; active: boolean }>(
    'select epoch::text, score, active from uptime_scores where provider = $1 order by epoch',
    [key],
  )
  const [floor] = await db.query<{ value: string }>(`select value from parameters where name = 'uptimeFloor'`)
  const emissions = await readEmissions(db, { account: key })
  const verification = await readVerification(db, key)
  const [profile] = await db.query<{ nonce: string }>(
    'select nonce::text from profiles where provider = $1',
    [key],
  )
  return {
    ...(provider as ProviderRow),
    uptimeHistory,
    earningsHistory,
    recentRedemptions: redemptions
      .slice(-50)
      .reverse()
      .map((row) => ({
        t: new Date(row.t).toISOString(),
        block: row.block_number,
        tx: row.tx_hash,
        payer: row.args.payer,
        modelId: row.args.modelId,
        amount: row.args.amount,
        burned: row.args.burned,
        royalty: row.args.royalty,
      })),
    slashes: slashes.map((row) => ({
      t: new Date(row.t).toISOString(),
      tx: row.tx_hash,
      amount: (BigInt(row.args.fromStake ?? 0) + BigInt(row.args.fromUnbonding ?? 0)).toString(),
      slasher: row.args.slasher,
    })),
    disputes,
    epochScores: scores,
    /** 0..10,000, like the scores; null when the deployment has no Uptime contract. */
    uptimeFloor: floor ? Number(floor.value) : (options.uptimeFloor ?? null),
    emissions: {
      availability: emissions.availability,
      work: emissions.work,
      validation: emissions.validation,
      total: emissions.total,
      byEpoch: emissions.byEpoch.map(({ epoch, availability, work, validation, total }) => ({
        epoch,
        availability,
        work,
        validation,
        total,
      })),
    },
    verification,
    profileNonce: profile?.nonce ?? '0',
  }
}
