import type { Database } from '@infermesh/node/database'

/** Any constant shared by every provider process: serializes their migrations on one PostgreSQL. */
const migrationLock = 7_220_431_002

/**
 * Creates the provider's channel ledger tables when missing: `channels` (one row per payer and model:
 * owed, highest voucher and its signature, redeemed) and `receipts` (every signed receipt). Before the
 * payments package held the ledger, the provider's channel store created the same tables, so its
 * databases are used as they are. Idempotent, and safe when several processes start at once on one
 * PostgreSQL (a transaction-scoped advisory lock serializes them).
 *
 * @example
 * await migrateChannelLedger(db)
 */
export async function migrateChannelLedger(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [migrationLock])
    await tx.query(`create table if not exists channels (
      payer text not null,
      model_id text not null,
      owed numeric(78, 0) not null default 0,
      voucher numeric(78, 0) not null default 0,
      signature text,
      redeemed numeric(78, 0) not null default 0,
      updated_at timestamptz not null default now(),
      primary key (payer, model_id)
    )`)
    await tx.query(`create table if not exists receipts (
      id bigserial primary key,
      payer text not null,
      model_id text not null,
      request_hash text not null,
      response_hash text not null,
      input_tokens bigint not null,
      output_tokens bigint not null,
      cost numeric(78, 0) not null,
      cumulative numeric(78, 0) not null,
      signature text not null,
      created_at timestamptz not null default now()
    )`)
    await tx.query('create index if not exists receipts_channel on receipts (payer, model_id)')
  })
}
