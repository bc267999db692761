import type { Database } from '@infermesh/node/database'

/** Any constant shared by every payer process: serializes their migrations on one PostgreSQL. */
const migrationLock = 7_220_431_001

/**
 * Creates the payer ledger's table, `payer_channels`, or brings an older database up to it: before
 * the payments package existed the gateway kept the same columns in `gateway_channels`, which is
 * renamed (data kept). Idempotent, and safe when several processes start at once on one PostgreSQL
 * (a transaction-scoped advisory lock serializes them).
 *
 * @example
 * await migratePayerLedger(db)
 */
export async function migratePayerLedger(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [migrationLock])
    const [found] = await tx.query<{ old: string | null; current: string | null }>(
      `select to_regclass('gateway_channels')::text as old, to_regclass('payer_channels')::text as current`,
    )
    if (found?.old && !found.current) {
      await tx.query('alter table gateway_channels rename to payer_channels')
      await tx.query('alter index if exists gateway_channels_pkey rename to payer_channels_pkey')
    }
    await tx.query(`create table if not exists payer_channels (
      provider text not null,
      model_id text not null,
      billed numeric(78, 0) not null default 0,
      abort_allowance numeric(78, 0) not null default 0,
      updated_at timestamptz not null default now(),
      primary key (provider, model_id)
    )`)
  })
}
