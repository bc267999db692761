import type { Database } from '@infermesh/node/database'
import { createJournal } from '@infermesh/node/journal'
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
 * `writeBehind: true` (for a database only this process writes: the gateway's PGlite) journals
 * `addBilled` instead: see `writeBehind` below. Call `close` on shutdown then.
 *
 * @example
 * const ledger = await createSqlPayerLedger(await openDatabase({ dataDir: '.infermesh/gateway-db' }))
 * const payer = createPayer({ account, chainId, payments, ledger })
 */
export async function createSqlPayerLedger(
  db: Database,
  options: { writeBehind?: boolean; onError?: (error: unknown) => void } = {},
): Promise<PayerLedger> {
  await migratePayerLedger(db)
  const ledger = createDirectLedger(db)
  return options.writeBehind ? writeBehind(db, ledger, options.onError) : ledger
}

/**
 * The ledger with `addBilled` (once per paid request) journaled: the billed totals of the channels this
 * process touched are kept in memory, each receipt's cost is appended to a write-ahead journal
 * (`createJournal`, synced before `addBilled` returns, so a crash loses no acknowledged receipt) and
 * the costs reach `payer_channels` in batches, one transaction per batch. The rare writes (abort
 * allowance, resync) and `channels` first wait for the journal, then go to the database as before.
 * Only for a database no other payer process writes (PGlite, which one process owns).
 */
async function writeBehind(
  db: Database,
  direct: PayerLedger,
  onError?: (error: unknown) => void,
): Promise<PayerLedger> {
  type Entry = { p: Address; m: string; c: string }
  const journal = await createJournal<Entry>({
    db,
    name: 'payer_billed',
    // Reads of billed totals come from memory: batches can be big (at 40 requests/s, 20 a transaction).
    flushMs: 500,
    ...(onError && { onError }),
    apply: async (tx, entries) => {
      const sums = new Map<string, { p: Address; m: string; c: bigint }>()
      for (const entry of entries) {
        const key = `${entry.p.toLowerCase()}:${entry.m}`
        const sum = sums.get(key)
        if (sum) sum.c += BigInt(entry.c)
        else sums.set(key, { p: entry.p, m: entry.m, c: BigInt(entry.c) })
      }
      for (const sum of sums.values())
        await tx.query(
          `insert into payer_channels (provider, model_id, billed) values ($1, $2, $3)
           on conflict (provider, model_id) do update set billed = payer_channels.billed + excluded.billed, updated_at = now()`,
          [sum.p, sum.m, sum.c.toString()],
        )
    },
  })
  /** Per channel this process touched: its totals as the database will have them once the journal is applied. */
  const memory = new Map<string, Promise<Totals>>()
  const keyOf = (provider: Address, modelId: Hex) => `${provider.toLowerCase()}:${modelId.toLowerCase()}`
  const load = (provider: Address, modelId: Hex): Promise<Totals> => {
    const key = keyOf(provider, modelId)
    let totals = memory.get(key)
    if (!totals) {
      totals = db
        .query<{ billed: string; abort_allowance: string }>(
          'select billed, abort_allowance from payer_channels where provider = $1 and model_id = $2',
          [provider, modelId.toLowerCase()],
        )
        .then(([row]) => ({ billed: BigInt(row?.billed ?? 0), allowance: BigInt(row?.abort_allowance ?? 0) }))
      totals.catch(() => memory.delete(key))
      memory.set(key, totals)
    }
    return totals
  }
  /** After a write that went to the database: the totals it returned replace the channel's memory. */
  const reload = (provider: Address, modelId: Hex) => {
    memory.delete(keyOf(provider, modelId))
    return load(provider, modelId)
  }
  return {
    async billed(provider, modelId) {
      return (await load(provider, modelId)).billed
    },
    async addBilled(provider, modelId, cost) {
      const totals = await load(provider, modelId)
      totals.billed += cost
      const billed = totals.billed
      await journal.append({ p: provider, m: modelId.toLowerCase(), c: cost.toString() })
      return billed
    },
    async addAbortAllowance(provider, modelId, amount, cap) {
      await journal.flush()
      await direct.addAbortAllowance(provider, modelId, amount, cap)
      await reload(provider, modelId)
    },
    async resync(provider, modelId, owed) {
      await journal.flush()
      const billed = await direct.resync(provider, modelId, owed)
      await reload(provider, modelId)
      return billed
    },
    async outstanding(provider) {
      const fromDatabase = await direct.outstanding(provider)
      // The channels this process billed are ahead of the database by the journal's pending costs.
      const owed = new Map(fromDatabase.map((channel) => [channel.modelId.toLowerCase(), channel.owed]))
      const prefix = `${provider.toLowerCase()}:`
      for (const [key, totals] of memory)
        if (key.startsWith(prefix)) {
          const known = await totals
          owed.set(key.slice(prefix.length), known.billed + known.allowance)
        }
      return [...owed].map(([modelId, amount]) => ({ modelId: modelId as Hex, owed: amount }))
    },
    async channels() {
      await journal.flush()
      return direct.channels()
    },
    close: () => journal.close(),
  }
}

function createDirectLedger(db: Database): PayerLedger {
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
