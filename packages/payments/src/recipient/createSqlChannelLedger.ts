import type { Database, Sql } from '@infermesh/node/database'
import { createJournal } from '@infermesh/node/journal'
import type { Address, Hex } from 'viem'
import type { Channel, ChannelLedger, ReceiptRecord } from './ChannelLedger.js'
import { migrateChannelLedger } from './migrateChannelLedger.js'

type ChannelRow = {
  payer: string
  model_id: string
  owed: string
  voucher: string
  signature: string | null
  redeemed: string
}

const toChannel = (row: ChannelRow): Channel => ({
  payer: row.payer as Address,
  modelId: row.model_id as Hex,
  owed: BigInt(row.owed),
  voucher: BigInt(row.voucher),
  signature: row.signature as Hex | null,
  redeemed: BigInt(row.redeemed),
})

/** Waits without keeping the process alive (a closed database must not hold a stopping daemon). */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/** A change waiting for the next group commit. */
type Write =
  | { kind: 'voucher'; payer: Address; modelId: Hex; cumulative: bigint; signature: Hex }
  | { kind: 'receipt'; record: ReceiptRecord; cumulative: bigint; signature: Hex }
  | { kind: 'drop'; payer: Address; modelId: Hex; cumulative: bigint }
  | { kind: 'redeemed'; payer: Address; modelId: Hex; paid: bigint }

/** Receipt rows per statement (9 parameters each: below PostgreSQL's 65,535 parameters). */
const receiptsPerStatement = 5000

export type SqlChannelLedgerOptions = {
  /**
   * Longest a voucher waits for a commit when no receipt comes to take it along. Default 20 ms. (Nothing
   * waits for it: a receipt committed after it takes it along; see `createSqlChannelLedger`.)
   */
  voucherDelayMs?: number
  /** Called with the error when a group commit fails (its receipts are refused; memory is reloaded). */
  onFlushError?: (error: Error) => void
  /**
   * Commit through a write-ahead journal (`createJournal` in `@infermesh/node/journal`): a group commit
   * is one line appended to a file, and the database gets the commits in batches (every `journalFlushMs`,
   * default 200 ms). A crash replays the acknowledged commits in order, exactly once, before the ledger
   * loads. For PGlite, which only this process opens (the provider's default).
   */
  writeBehind?: boolean
  journalFlushMs?: number
}

/**
 * The provider's channel ledger in SQL (PGlite or PostgreSQL), tables `channels` and `receipts` (created
 * on first use by `migrateChannelLedger`), with the hot state in memory: every channel is loaded at start,
 * reads (`get`, `payerTotals`, `redeemable`, `payers`) never touch the database, and writes take effect in
 * memory at once and reach the database by group commit — one statement, hence one atomic step, for every
 * write that arrived while the previous commit ran, in the order the writes were made. A receipt's promise
 * resolves only once it is committed, and billing answers only after that. A voucher is not waited for:
 * it is committed with the next receipt (or after `voucherDelayMs`), never after a receipt made later.
 *
 * Why a crash costs the provider nothing it was promised. Commits are in order, so when a receipt is
 * answered, the voucher its request was admitted with (saved before the receipt was made) is durable.
 * A crash loses only writes made after the last commit: vouchers and receipts of requests that were never
 * answered. Such a receipt was never seen by the payer, so it was owed nothing yet; such a voucher pays
 * for work whose receipts are all kept (owed), and the payer, whose ledger counts exactly the receipts it
 * was answered, signs the same amount or more with its next voucher; until then that work is unpaid work,
 * which the gate bounds by the credit limit as always. What the provider can redeem after a restart is the
 * highest voucher it answered a request on, or more, and owed is the sum of the answered receipts (plus at
 * most those committed while the crash stopped their answer), to the wei: `ledgerCrash.test.ts` kills a
 * provider process mid-stream and redeems what it kept.
 *
 * Also: a receipt's cost and its row commit together, and cumulatives are assigned in memory one at a
 * time per channel, so concurrent receipts get distinct cumulatives and the last equals the sum. A failed
 * commit refuses its receipts (nothing is answered for them) and memory is reloaded from the database plus
 * the writes still queued; its vouchers stay queued, first, and are tried again (their signatures were
 * checked: they stay redeemable whatever became of their requests), so the order above holds.
 *
 * The memory is the truth for the process: one provider process per database (as the daemon runs).
 *
 * @example
 * const ledger = await createSqlChannelLedger(await openDatabase({ dataDir: '.infermesh/provider-db' }))
 * const gate = createPaymentGate({ chainId, payments, provider, ledger, creditLimit, availableAllocation })
 */
export async function createSqlChannelLedger(
  db: Database,
  options: SqlChannelLedgerOptions = {},
): Promise<ChannelLedger> {
  await migrateChannelLedger(db)
  /** Each entry is one group commit: channel rows as memory had them and receipt rows, as SQL parameters. */
  type Commit = { rows: unknown[][]; receipts: unknown[][] }
  const journal = options.writeBehind
    ? await createJournal<Commit>({
        db,
        name: 'provider_channels',
        flushMs: options.journalFlushMs ?? 200,
        ...(options.onFlushError && { onError: (error) => options.onFlushError?.(error as Error) }),
        apply: async (tx, commits) => {
          // In order: every receipt, and each channel's last row (rows are whole states, later wins).
          const rows = new Map<string, unknown[]>()
          for (const commit of commits) for (const row of commit.rows) rows.set(`${row[0]}|${row[1]}`, row)
          await writeRows(
            tx,
            [...rows.values()],
            commits.flatMap((commit) => commit.receipts),
          )
        },
      })
    : undefined
  // Addresses are stored checksummed, model ids lower-case, so lookups need no normalisation.
  const channels = new Map<string, Channel>()
  const byPayer = new Map<Address, Set<Channel>>()
  const keyOf = (payer: Address, modelId: Hex) => `${payer}|${modelId}`
  let receiptCount = 0

  async function load() {
    channels.clear()
    byPayer.clear()
    for (const row of await db.query<ChannelRow>('select * from channels')) {
      const channel = toChannel(row)
      channels.set(keyOf(channel.payer, channel.modelId), channel)
      index(channel)
    }
    const [count] = await db.query<{ n: string }>('select count(*) as n from receipts')
    receiptCount = Number(count?.n ?? 0)
  }
  function index(channel: Channel) {
    const set = byPayer.get(channel.payer) ?? new Set<Channel>()
    byPayer.set(channel.payer, set)
    set.add(channel)
  }
  const empty = (payer: Address, modelId: Hex): Channel => ({
    payer,
    modelId,
    owed: 0n,
    voucher: 0n,
    signature: null,
    redeemed: 0n,
  })
  function channelFor(payer: Address, modelId: Hex, create: boolean): Channel | undefined {
    const key = keyOf(payer, modelId)
    let channel = channels.get(key)
    if (!channel && create) {
      channel = empty(payer, modelId)
      channels.set(key, channel)
      index(channel)
    }
    return channel
  }

  /** A write's effect on memory: the same rules the SQL statements of before applied. */
  function apply(write: Write, replay = false): Channel | undefined {
    switch (write.kind) {
      case 'voucher': {
        const channel = channelFor(write.payer, write.modelId, true) as Channel
        if (write.cumulative > channel.voucher) {
          channel.voucher = write.cumulative
          channel.signature = write.signature
        }
        if (write.cumulative > channel.owed) channel.owed = write.cumulative
        return channel
      }
      case 'receipt': {
        // Its cost went into `owed` when its cumulative was assigned (addReceipt); only a replay adds it.
        const channel = channelFor(write.record.payer, write.record.modelId, true) as Channel
        if (replay) channel.owed += write.record.cost
        return channel
      }
      case 'drop': {
        const channel = channelFor(write.payer, write.modelId, false)
        if (channel && channel.voucher === write.cumulative) {
          channel.voucher = channel.redeemed
          channel.signature = null
        }
        return channel
      }
      case 'redeemed': {
        const channel = channelFor(write.payer, write.modelId, false)
        if (channel && write.paid > channel.redeemed) channel.redeemed = write.paid
        return channel
      }
    }
  }

  // Group commit: writes queue with the channels they touched; one flush at a time commits them all.
  type Queued = { write: Write; channel: Channel | undefined; done: (error?: Error) => void }
  let queue: Queued[] = []
  let flushing: Promise<void> | undefined
  let voucherTimer: NodeJS.Timeout | undefined
  const voucherDelayMs = options.voucherDelayMs ?? 20

  /** Applies a write to memory at once and resolves once it is committed. */
  function enqueue(write: Write): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const channel = apply(write)
      queue.push({ write, channel, done: (error) => (error ? reject(error) : resolve()) })
      if (flushing) return
      if (write.kind !== 'voucher') flushing = flushLoop()
      else voucherTimer ??= setTimeout(() => (flushing ??= flushLoop()), voucherDelayMs)
    })
  }

  async function flushLoop() {
    clearTimeout(voucherTimer)
    voucherTimer = undefined
    try {
      while (queue.length > 0) {
        const batch = queue
        queue = []
        // Taken now, before any await: the channels as every write of this batch (and none after) left them.
        const touched = new Map<Channel, unknown[]>()
        for (const { channel } of batch) if (channel) touched.set(channel, durableRow(channel))
        const receipts = batch.flatMap(({ write }) => (write.kind === 'receipt' ? [write] : []))
        try {
          await commit([...touched.values()], receipts)
          receiptCount += receipts.length
          for (const entry of batch) entry.done()
        } catch (cause) {
          const error = new Error(`The channel ledger could not commit: ${(cause as Error).message}`, {
            cause,
          })
          options.onFlushError?.(error)
          // A voucher is kept and tried again, first (its signature was checked; whatever became of its
          // request, it stays redeemable): so a receipt is never committed before the vouchers queued
          // ahead of it. Every other write is refused, and memory forgets it.
          const vouchers = batch.filter((entry) => entry.write.kind === 'voucher')
          for (const entry of batch) if (entry.write.kind !== 'voucher') entry.done(error)
          queue = [...vouchers, ...queue]
          await reload()
          await pause(100)
        }
      }
    } finally {
      flushing = undefined
    }
  }

  /**
   * The channel as the database must hold it: memory without the cost of a receipt still being signed
   * (its row is not in this commit). Owed never goes below the voucher (a voucher adopted meanwhile).
   */
  function durableRow(channel: Channel): unknown[] {
    const signing = signingCost.get(keyOf(channel.payer, channel.modelId)) ?? 0n
    const owed = channel.owed - signing > channel.voucher ? channel.owed - signing : channel.voucher
    return [
      channel.payer,
      channel.modelId,
      (signing === 0n ? channel.owed : owed).toString(),
      channel.voucher.toString(),
      channel.signature,
      channel.redeemed.toString(),
    ]
  }

  async function reload() {
    for (;;) {
      try {
        await journal?.flush()
        await load()
        break
      } catch {
        await pause(100)
      }
    }
    for (const entry of queue) entry.channel = apply(entry.write, true)
    for (const [key, cost] of signingCost) {
      const [payer, modelId] = key.split('|') as [Address, Hex]
      ;(channelFor(payer, modelId, true) as Channel).owed += cost
    }
  }

  /**
   * One statement, atomic by itself: the receipts inserted and the touched channels written as memory has
   * them. A batch too big for one statement's parameters is split into statements of one transaction.
   */
  async function commit(rows: unknown[][], receipts: Extract<Write, { kind: 'receipt' }>[]) {
    if (rows.length === 0 && receipts.length === 0) return
    const tuples = receipts.map(({ record, cumulative, signature }) => [
      record.payer,
      record.modelId,
      record.requestHash,
      record.responseHash,
      record.inputTokens.toString(),
      record.outputTokens.toString(),
      record.cost.toString(),
      cumulative.toString(),
      signature,
    ])
    if (journal) await journal.append({ rows, receipts: tuples })
    else if (rows.length <= receiptsPerStatement && tuples.length <= receiptsPerStatement)
      await db.query(...statement(rows, tuples))
    else await db.transaction((tx) => writeRows(tx, rows, tuples))
  }

  /** Rows and receipts in statements of at most `receiptsPerStatement` tuples (call inside a transaction). */
  async function writeRows(tx: Sql, rows: unknown[][], receipts: unknown[][]) {
    if (rows.length <= receiptsPerStatement && receipts.length <= receiptsPerStatement) {
      if (rows.length > 0 || receipts.length > 0) await tx.query(...statement(rows, receipts))
      return
    }
    for (let i = 0; i < receipts.length; i += receiptsPerStatement)
      await tx.query(...statement([], receipts.slice(i, i + receiptsPerStatement)))
    for (let i = 0; i < rows.length; i += receiptsPerStatement)
      await tx.query(...statement(rows.slice(i, i + receiptsPerStatement), []))
  }

  function statement(rows: unknown[][], receipts: unknown[][]): [string, unknown[]] {
    const params: unknown[] = []
    const values = (tuple: unknown[]) => `(${tuple.map((value) => `$${params.push(value)}`).join(', ')})`
    const added =
      receipts.length === 0
        ? ''
        : `insert into receipts (payer, model_id, request_hash, response_hash, input_tokens, output_tokens, cost, cumulative, signature)
        values ${receipts.map(values).join(', ')}`
    if (rows.length === 0) return [added, params]
    const written = `insert into channels (payer, model_id, owed, voucher, signature, redeemed)
      values ${rows.map((row) => values(row)).join(', ')}
      on conflict (payer, model_id) do update set owed = excluded.owed, voucher = excluded.voucher,
        signature = excluded.signature, redeemed = excluded.redeemed, updated_at = now()`
    return [added ? `with added as (${added} returning 1) ${written}` : written, params]
  }

  /** Resolves once every write queued before the call is committed (vouchers waiting are sent now). */
  async function settled() {
    if (queue.length > 0) flushing ??= flushLoop()
    while (flushing) await flushing
  }

  /** Per channel, the receipt being assigned its cumulative and signed: the next waits for it. */
  const signing = new Map<string, Promise<unknown>>()
  /** Per channel, the cost of the receipt being signed: in memory's `owed`, not yet in a commit. */
  const signingCost = new Map<string, bigint>()

  await load()
  const ledger: ChannelLedger = {
    async get(payer, modelId) {
      const channel = channels.get(keyOf(payer, modelId))
      return channel ? { ...channel } : empty(payer, modelId)
    },

    async exposure(payer) {
      return (await ledger.payerTotals(payer)).exposure
    },

    async unpaid(payer) {
      return (await ledger.payerTotals(payer)).unpaid
    },

    async payerTotals(payer) {
      let unpaid = 0n
      let exposure = 0n
      for (const channel of byPayer.get(payer) ?? []) {
        if (channel.owed > channel.voucher) unpaid += channel.owed - channel.voucher
        exposure += (channel.owed > channel.voucher ? channel.owed : channel.voucher) - channel.redeemed
      }
      return { unpaid, exposure }
    },

    async saveVoucher(payer, modelId, cumulative, signature) {
      const durable = enqueue({ kind: 'voucher', payer, modelId, cumulative, signature })
      const after = { ...(channels.get(keyOf(payer, modelId)) as Channel) }
      await durable
      return after
    },

    async addReceipt(record, sign) {
      const key = keyOf(record.payer, record.modelId)
      // Assign the cumulative and sign one receipt at a time per channel, so a failed signature can be
      // taken back exactly (nothing else moved the channel meanwhile); the commit is awaited after.
      const previous = signing.get(key) ?? Promise.resolve()
      const turn = previous.then(async () => {
        // The cost counts at once (as the row lock of a SQL upsert would have it): a voucher adopted
        // while this receipt is signed is compared with the owed amount including it.
        const channel = channelFor(record.payer, record.modelId, true) as Channel
        channel.owed += record.cost
        const cumulative = channel.owed
        signingCost.set(key, record.cost)
        let signature: Hex
        try {
          signature = await sign(cumulative)
        } catch (error) {
          const current = channelFor(record.payer, record.modelId, true) as Channel
          current.owed -= record.cost
          if (current.owed < current.voucher) current.owed = current.voucher
          throw error
        } finally {
          signingCost.delete(key)
        }
        return { cumulative, signature, durable: enqueue({ kind: 'receipt', record, cumulative, signature }) }
      })
      const tail = turn.catch(() => {})
      signing.set(key, tail)
      void tail.then(() => {
        if (signing.get(key) === tail) signing.delete(key)
      })
      const { cumulative, signature, durable } = await turn
      await durable
      return { cumulative, signature }
    },

    async redeemable(limit, minAmount = 0n) {
      await settled()
      return [...channels.values()]
        .filter((channel) => channel.signature !== null && channel.voucher - channel.redeemed > minAmount)
        .sort((a, b) => {
          const left = a.voucher - a.redeemed
          const right = b.voucher - b.redeemed
          return left > right ? -1 : left < right ? 1 : 0
        })
        .slice(0, limit)
        .map((channel) => ({ ...channel }))
    },

    async dropVoucher(payer, modelId, cumulative) {
      await enqueue({ kind: 'drop', payer, modelId, cumulative })
    },

    async setRedeemed(payer, modelId, paid) {
      await enqueue({ kind: 'redeemed', payer, modelId, paid })
    },

    async payers() {
      return [...byPayer.keys()]
    },

    async totals() {
      await settled()
      let owed = 0n
      let vouchers = 0n
      let redeemed = 0n
      for (const channel of channels.values()) {
        owed += channel.owed
        vouchers += channel.voucher
        redeemed += channel.redeemed
      }
      return { owed, vouchers, redeemed, receipts: receiptCount }
    },

    async close() {
      await settled()
      await journal?.close()
    },
  }
  return ledger
}
