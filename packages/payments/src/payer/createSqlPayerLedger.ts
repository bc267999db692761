import type { Database } from '@infermesh/node/database'
import type { Address, Hex } from 'viem'
import { migratePayerLedger } from './migratePayerLedger.js'
import type { PayerChannel, PayerLedger } from './PayerLedger.js'

/** How long `outstanding` answers a provider's channels from memory before reading them again. */
const outstandingTtlMs = 1000

type Totals = { billed: bigint; allowance: bigint }

/**
 * The payer's ledger in SQL (PGlite or PostgreSQL), in its own table `payer_channels` (created, or
 * migrated from a gateway database of before, on first use). Every change is one atomic statement or
 * a row-locked transaction, so several processes may share one PostgreSQL and a billed total never
 * goes down.
 *
 * `outstanding` (which the allocator asks before every request) is answered from memory: a provider's
 * channels are read once, then every write of this ledger updates them with the totals the database
 * returns, so this process's own billing shows at once; another process's writes on the same database
 * show after at most a second (the channels are read again) or at this ledger's next write on that
 * channel. `billed`, `channels` and every write always go to the database.
 *
 * @example
 * const ledger = await createSqlPayerLedger(await openDatabase({ dataDir: '.infermesh/gateway-db' }))
 * const payer = createPayer({ account, chainId, payments, ledger })
 */
export async function createSqlPayerLedger(db: Database): Promise<PayerLedger> {
  await migratePayerLedger(db)
  /** Per provider (lower case): its channels' totals and when they were read. */
  const known = new Map<string, { at: number; channels: Map<string, Totals> }>()
  /** Per provider (lower case): how many writes this ledger made, to tell a read that raced one. */
  const writes = new Map<string, number>()
  const note = (provider: Address, modelId: Hex, totals: Totals | undefined) => {
    const key = provider.toLowerCase()
    writes.set(key, (writes.get(key) ?? 0) + 1)
    if (totals) known.get(key)?.channels.set(modelId.toLowerCase(), totals)
  }
  const totalsOf = (row: { billed: string; abort_allowance: string } | undefined): Totals | undefined =>
    row && { billed: BigInt(row.billed), allowance: BigInt(row.abort_allowance) }
  // Addresses keep the case they came in (checksummed from the chain); model ids are stored lower-case.
  return {
    async billed(provider: Address, modelId: Hex): Promise<bigint> {
      const [row] = await db.query<{ billed: string }>(
        'select billed from payer_channels where provider = $1 and model_id = $2',
        [provider, modelId.toLowerCase()],
      )
      return BigInt(row?.billed ?? 0)
    },

    async addBilled(provider: Address, modelId: Hex, cost: bigint): Promise<bigint> {
      const [row] = await db.query<{ billed: string; abort_allowance: string }>(
        `insert into payer_channels (provider, model_id, billed) values ($1, $2, $3)
         on conflict (provider, model_id) do update set billed = payer_channels.billed + excluded.billed, updated_at = now()
         returning billed, abort_allowance`,
        [provider, modelId.toLowerCase(), cost.toString()],
      )
      note(provider, modelId, totalsOf(row))
      return BigInt(row?.billed ?? 0)
    },

    async addAbortAllowance(provider: Address, modelId: Hex, amount: bigint, cap?: bigint): Promise<void> {
      const limit = cap === undefined ? null : cap.toString()
      const [row] = await db.query<{ billed: string; abort_allowance: string }>(
        `insert into payer_channels (provider, model_id, abort_allowance) values ($1, $2, least($3::numeric, coalesce($4::numeric, $3::numeric)))
         on conflict (provider, model_id) do update set abort_allowance =
           least(payer_channels.abort_allowance + excluded.abort_allowance, coalesce($4::numeric, payer_channels.abort_allowance + excluded.abort_allowance))
         returning billed, abort_allowance`,
        [provider, modelId.toLowerCase(), amount.toString(), limit],
      )
      note(provider, modelId, totalsOf(row))
    },

    async resync(provider: Address, modelId: Hex, owed: bigint): Promise<bigint | undefined> {
      const result = await db.transaction(async (tx) => {
        const [row] = await tx.query<{ billed: string; abort_allowance: string }>(
          'select billed, abort_allowance from payer_channels where provider = $1 and model_id = $2 for update',
          [provider, modelId.toLowerCase()],
        )
        const billed = BigInt(row?.billed ?? 0)
        const allowance = BigInt(row?.abort_allowance ?? 0)
        if (owed <= billed) return { billed, totals: row && { billed, allowance } }
        if (owed - billed > allowance) return { billed: undefined, totals: row && { billed, allowance } }
        const left = allowance - (owed - billed)
        await tx.query(
          'update payer_channels set billed = $3, abort_allowance = $4, updated_at = now() where provider = $1 and model_id = $2',
          [provider, modelId.toLowerCase(), owed.toString(), left.toString()],
        )
        return { billed: owed, totals: { billed: owed, allowance: left } }
      })
      note(provider, modelId, result.totals)
      return result.billed
    },

    async outstanding(provider: Address): Promise<{ modelId: Hex; owed: bigint }[]> {
      const key = provider.toLowerCase()
      let entry = known.get(key)
      if (!entry || Date.now() - entry.at >= outstandingTtlMs) {
        const writesBefore = writes.get(key) ?? 0
        const rows = await db.query<{ model_id: string; billed: string; abort_allowance: string }>(
          'select model_id, billed, abort_allowance from payer_channels where lower(provider) = lower($1)',
          [provider],
        )
        const channels = new Map(rows.map((row) => [row.model_id, totalsOf(row) as Totals]))
        entry = { at: Date.now(), channels }
        // A write that finished while this read was under way may be missing from it: keep the
        // read for this answer only, and read again next time.
        if ((writes.get(key) ?? 0) === writesBefore) known.set(key, entry)
        else known.delete(key)
      }
      return [...entry.channels].map(([modelId, totals]) => ({
        modelId: modelId as Hex,
        owed: totals.billed + totals.allowance,
      }))
    },

    async channels(): Promise<PayerChannel[]> {
      const rows = await db.query<{ provider: string; model_id: string; billed: string }>(
        'select provider, model_id, billed from payer_channels where billed > 0 order by provider, model_id',
      )
      return rows.map((row) => ({
        provider: row.provider as Address,
        modelId: row.model_id as Hex,
        billed: BigInt(row.billed),
      }))
    },
  }
}
