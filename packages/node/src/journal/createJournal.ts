import { closeSync, existsSync, fdatasync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs'
import type { Database, Sql } from '../database/openDatabase.js'
import { BaseError } from '../errors/BaseError.js'

/** A journal file could not be read back: a line other than the last is not an entry. */
export class JournalError extends BaseError {
  override name = 'JournalError' as const
}

export type JournalOptions<Entry> = {
  /** The database the entries are applied to. A PGlite database with a data directory gets a file. */
  db: Database
  /** The journal's name: its checkpoint row and its file (`<dataDir>.<name>.journal`). */
  name: string
  /**
   * Applies a batch of entries, in the order appended, inside the transaction that also records the
   * journal's checkpoint: both commit or neither does, so a batch is applied exactly once.
   */
  apply: (tx: Sql, entries: Entry[]) => Promise<void>
  /**
   * Whether `append` waits for `fdatasync` (one shared by every entry appended meanwhile): the entry then
   * survives the machine's crash too, at a disk flush of latency per request. Default false: the entry is
   * written to the operating system before `append` resolves, so it survives the process's crash (kill,
   * out of memory, a bug), which is what PGlite's own commits survive (it does not fsync them).
   */
  syncToDisk?: boolean
  /** How long an entry waits for others before the batch is applied (default 20 ms). */
  flushMs?: number
  /** Most entries applied in one transaction (default 500). */
  maxBatch?: number
  /**
   * Most entries waiting for the database (default 100,000). While the database does not answer, the
   * journal would otherwise grow in memory without end; past this, `append` refuses (retryable) until
   * batches go through again, as a direct write would have failed.
   */
  maxPending?: number
  /** Told when a batch fails (it is retried, with a growing pause, up to 2 s). */
  onError?: (error: unknown) => void
  /**
   * Told of an entry that failed on its own while the database answered (a value the database refuses):
   * it is skipped so that the entries after it go on. Without it, a failing batch is retried until it
   * passes (for entries that must never be dropped, such as money owed). Callers validate entries
   * before appending them either way.
   */
  onReject?: (entry: Entry, error: unknown) => void
}

export type Journal<Entry> = {
  /**
   * Records `entry`. It is durable when the promise resolves: in the journal file when the database
   * has a data directory (written to the operating system, and synced to disk with `syncToDisk`), at
   * once otherwise (an in-memory database keeps nothing across a crash anyway). The database gets it
   * within `flushMs`, in a batch.
   */
  append(entry: Entry): Promise<void>
  /** Entries appended and not in the database yet, oldest first (read-only). */
  pending(): readonly Entry[]
  /** Resolves once every entry appended before the call is in the database; rejects when applying fails. */
  flush(): Promise<void>
  /** Applies what is pending and closes the file. */
  close(): Promise<void>
}

const checkpoints = `create table if not exists journal_checkpoints (
  name text primary key,
  seq bigint not null
)`

/**
 * A write-ahead journal in front of a database: each entry is appended to a file and synced (cheap,
 * shared by concurrent entries), and the entries are applied to the database in batches, one
 * transaction per batch instead of one per entry. A crash loses nothing that `append` acknowledged:
 * on open, the entries the database has not checkpointed are applied again from the file (a torn last
 * line, an append the crash cut, was never acknowledged and is dropped). The file is emptied whenever
 * everything in it is in the database.
 *
 * For one process per database (PGlite): several processes sharing a PostgreSQL each see only their own
 * pending entries, so callers write straight to a shared database instead.
 *
 * @example
 * const journal = await createJournal<{ key: string; cost: string }>({
 *   db, name: 'usage', apply: async (tx, entries) => { for (const e of entries) await tx.query('…', [e.key, e.cost]) },
 * })
 * await journal.append({ key: 'k', cost: '10' })
 */
export async function createJournal<Entry>(options: JournalOptions<Entry>): Promise<Journal<Entry>> {
  const { db, name, apply } = options
  if (!/^[a-z0-9_-]{1,64}$/.test(name))
    throw new JournalError(
      `createJournal: the name ${JSON.stringify(name)} must be 1-64 of a-z, 0-9, _ and -.`,
    )
  const flushMs = options.flushMs ?? 20
  const maxBatch = options.maxBatch ?? 500
  const maxPending = options.maxPending ?? 100_000
  await db.query(checkpoints)
  const [row] = await db.query<{ seq: string }>('select seq from journal_checkpoints where name = $1', [name])
  let applied = BigInt(row?.seq ?? 0)

  const path = db.kind === 'pglite' && db.dataDir ? `${db.dataDir}.${name}.journal` : undefined
  const recovered: { seq: bigint; entry: Entry }[] = []
  let lastSeq = applied
  if (path && existsSync(path)) {
    const lines = readFileSync(path, 'utf8').split('\n')
    lines.forEach((line, index) => {
      if (line === '') return
      let parsed: { s: string; e: Entry }
      try {
        parsed = JSON.parse(line)
      } catch (cause) {
        // Only the last line can be torn (the crash cut an append that was never acknowledged).
        if (lines.slice(index + 1).every((rest) => rest === '')) return
        throw new JournalError(
          `The journal ${path} has an unreadable line ${index + 1}; it cannot be replayed.`,
          {
            cause,
          },
        )
      }
      const seq = BigInt(parsed.s)
      if (seq > lastSeq) lastSeq = seq
      if (seq > applied) recovered.push({ seq, entry: parsed.e })
    })
  }
  const applyBatch = async (batch: { seq: bigint; entry: Entry }[], skip = false) => {
    const upTo = (batch.at(-1) as { seq: bigint }).seq
    await db.transaction(async (tx) => {
      if (!skip)
        await apply(
          tx,
          batch.map((item) => item.entry),
        )
      await tx.query(
        `insert into journal_checkpoints (name, seq) values ($1, $2)
         on conflict (name) do update set seq = excluded.seq`,
        [name, upTo.toString()],
      )
    })
    applied = upTo
  }
  /**
   * Applies a batch; when it fails, applies its entries one by one, and an entry that fails alone while
   * the database answers is set aside (`onReject`, then skipped) so that one bad entry cannot block
   * every later one. When the database does not answer, the error is thrown and the batch retried later.
   */
  const applyIsolating = async (batch: { seq: bigint; entry: Entry }[]) => {
    try {
      await applyBatch(batch)
    } catch (error) {
      if (!options.onReject) throw error
      if (batch.length > 1) {
        for (const item of batch) await applyIsolating([item])
        return
      }
      await db.query('select 1')
      options.onReject?.((batch[0] as { entry: Entry }).entry, error)
      await applyBatch(batch, true)
    }
  }
  for (let i = 0; i < recovered.length; i += maxBatch) await applyIsolating(recovered.slice(i, i + maxBatch))
  const fd = path ? openSync(path, 'a') : undefined
  if (fd !== undefined) ftruncateSync(fd, 0)

  const queue: { seq: bigint; entry: Entry }[] = []
  // Group commit (syncToDisk): one fdatasync covers every entry written before it started.
  let synced = lastSeq
  let syncing = false
  const syncWaiters: { seq: bigint; resolve: () => void; reject: (error: unknown) => void }[] = []
  const sync = () => {
    if (syncing || fd === undefined || syncWaiters.length === 0) return
    syncing = true
    const covers = lastSeq
    fdatasync(fd, (error) => {
      syncing = false
      if (!error) synced = covers
      for (let i = syncWaiters.length - 1; i >= 0; i--) {
        const waiter = syncWaiters[i] as (typeof syncWaiters)[number]
        if (error) waiter.reject(error)
        else if (waiter.seq <= covers) waiter.resolve()
        else continue
        syncWaiters.splice(i, 1)
      }
      sync()
    })
  }

  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let failures = 0
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      await applyIsolating(batch)
      queue.splice(0, batch.length)
    }
    // Everything written is in the database: the file can start again empty (appends go to its end).
    if (fd !== undefined && queue.length === 0 && (!options.syncToDisk || (!syncing && synced === lastSeq)))
      ftruncateSync(fd, 0)
  }
  const run = (): Promise<void> => {
    if (!running) {
      running = drain().finally(() => {
        running = undefined
      })
      running.then(
        () => {
          failures = 0
        },
        (error) => {
          failures += 1
          options.onError?.(error)
          schedule(Math.min(2000, flushMs * 2 ** failures))
        },
      )
    }
    return running
  }
  const schedule = (delay = flushMs) => {
    if (timer) return
    timer = setTimeout(() => {
      timer = undefined
      run().catch(() => {})
    }, delay)
    timer.unref()
  }
  let closed = false
  const flush = async (): Promise<void> => {
    const target = lastSeq
    while (applied < target) {
      if (running) await running
      else await run()
    }
  }

  return {
    append(entry: Entry): Promise<void> {
      if (closed) return Promise.reject(new JournalError(`The journal ${name} is closed.`))
      if (queue.length >= maxPending)
        return Promise.reject(
          new JournalError(
            `The journal ${name} holds ${queue.length} entries the database has not taken: it is not answering. Try again later.`,
            { retryable: true },
          ),
        )
      lastSeq += 1n
      const seq = lastSeq
      if (fd !== undefined) writeSync(fd, `${JSON.stringify({ s: seq.toString(), e: entry })}\n`)
      queue.push({ seq, entry })
      schedule()
      if (fd === undefined || !options.syncToDisk) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        syncWaiters.push({ seq, resolve, reject })
        sync()
      })
    },
    pending: () => queue.map((item) => item.entry),
    flush,
    async close(): Promise<void> {
      if (closed) return
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      try {
        await flush()
        while (syncing || syncWaiters.length > 0) await new Promise((resolve) => setTimeout(resolve, 1))
        if (fd !== undefined && queue.length === 0) ftruncateSync(fd, 0)
      } finally {
        if (fd !== undefined) closeSync(fd)
      }
    },
  }
}
