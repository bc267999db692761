import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openDatabase, type Sql } from '../database/openDatabase.js'
import { createJournal, JournalError } from './createJournal.js'

type Entry = { key: string; amount: string }

const table =
  'create table if not exists totals (key text primary key, amount numeric not null, rows integer not null)'
const applyTotals = async (tx: Sql, entries: Entry[]) => {
  for (const entry of entries)
    await tx.query(
      `insert into totals (key, amount, rows) values ($1, $2, 1)
       on conflict (key) do update set amount = totals.amount + excluded.amount, rows = totals.rows + 1`,
      [entry.key, entry.amount],
    )
}
const readTotals = async (sql: Sql) =>
  Object.fromEntries(
    (
      await sql.query<{ key: string; amount: string; rows: number }>('select key, amount, rows from totals')
    ).map((row) => [row.key, { amount: BigInt(row.amount), rows: Number(row.rows) }]),
  )

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('createJournal', () => {
  it('applies appended entries in batches, each exactly once, and flush waits for them', async () => {
    const db = await openDatabase()
    await db.query(table)
    const batches: number[] = []
    const journal = await createJournal<Entry>({
      db,
      name: 'totals',
      apply: async (tx, entries) => {
        batches.push(entries.length)
        await applyTotals(tx, entries)
      },
      maxBatch: 40,
    })
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => journal.append({ key: `k${i % 3}`, amount: `${i}` })),
    )
    assert.equal(journal.pending().length > 0, true, 'nothing is applied before the batch interval')
    await journal.flush()
    assert.equal(journal.pending().length, 0)
    assert.deepEqual(
      batches.reduce((a, b) => a + b, 0),
      100,
    )
    assert.ok(
      batches.length <= 3,
      `100 entries in batches of at most 40 take 3 transactions (took ${batches.length})`,
    )
    const totals = await readTotals(db)
    const expected = (r: number) => Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 === r)
    for (const r of [0, 1, 2])
      assert.deepEqual(totals[`k${r}`], {
        amount: BigInt(expected(r).reduce((a, b) => a + b, 0)),
        rows: expected(r).length,
      })
    await journal.close()
    await assert.rejects(journal.append({ key: 'late', amount: '1' }), JournalError)
    await db.close()
  })

  it('retries a batch whose transaction failed, and loses nothing', async () => {
    const db = await openDatabase()
    await db.query(table)
    let fail = 2
    const errors: unknown[] = []
    const journal = await createJournal<Entry>({
      db,
      name: 'retry',
      flushMs: 1,
      apply: async (tx, entries) => {
        await applyTotals(tx, entries)
        if (fail-- > 0) throw new Error('disk full')
      },
      onError: (error) => errors.push(error),
    })
    await journal.append({ key: 'a', amount: '5' })
    await journal.append({ key: 'a', amount: '7' })
    await assert.rejects(journal.flush(), /disk full/)
    while (journal.pending().length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.ok(errors.length >= 2)
    // The failed transactions rolled back: the entries count once.
    assert.deepEqual((await readTotals(db)).a, { amount: 12n, rows: 2 })
    await journal.close()
    await db.close()
  })

  it('refuses new entries, retryable, once maxPending wait for a database that never answers, and takes them again when it does', async () => {
    const db = await openDatabase()
    await db.query(table)
    let down = true
    const journal = await createJournal<Entry>({
      db,
      name: 'down',
      flushMs: 1,
      maxPending: 5,
      apply: async (tx, entries) => {
        if (down) throw new Error('connection refused')
        await applyTotals(tx, entries)
      },
      onError: () => {},
    })
    for (let i = 0; i < 5; i++) await journal.append({ key: 'd', amount: '1' })
    await assert.rejects(journal.append({ key: 'd', amount: '1' }), (error: Error) => {
      assert.ok(error instanceof JournalError)
      assert.equal((error as JournalError).retryable, true)
      assert.match(error.message, /not answering/)
      return true
    })
    assert.equal(journal.pending().length, 5, 'the refused entry was not kept')
    down = false
    while (journal.pending().length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await journal.append({ key: 'd', amount: '1' })
    await journal.close()
    assert.deepEqual((await readTotals(db)).d, { amount: 6n, rows: 6 })
    await db.close()
  })

  it('sets aside, when asked to, an entry the database refuses, and applies the others', async () => {
    const db = await openDatabase()
    await db.query(table)
    const rejected: Entry[] = []
    const journal = await createJournal<Entry>({
      db,
      name: 'poison',
      apply: applyTotals,
      onReject: (entry) => rejected.push(entry),
    })
    await journal.append({ key: 'a', amount: '1' })
    await journal.append({ key: 'a', amount: 'not a number' })
    await journal.append({ key: 'a', amount: '2' })
    await journal.flush()
    assert.deepEqual(rejected, [{ key: 'a', amount: 'not a number' }])
    assert.deepEqual((await readTotals(db)).a, { amount: 3n, rows: 2 })
    await journal.close()
    await db.close()
  })

  it('with syncToDisk, acknowledges entries once a shared fdatasync covered them, and empties the file once applied', async () => {
    const dataDir = join(tempDir(), 'db')
    const db = await openDatabase({ dataDir })
    await db.query(table)
    const journal = await createJournal<Entry>({ db, name: 'synced', apply: applyTotals, syncToDisk: true })
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append({ key: 's', amount: `${i + 1}` })))
    assert.ok(statSync(`${dataDir}.synced.journal`).size > 0, 'acknowledged entries are in the file')
    await journal.flush()
    await journal.append({ key: 's', amount: '1' })
    await journal.flush()
    assert.deepEqual((await readTotals(db)).s, { amount: 1276n, rows: 51 })
    await journal.close()
    assert.equal(statSync(`${dataDir}.synced.journal`).size, 0)
    await db.close()
  })

  it('replays, after a crash, what append acknowledged and the database did not have, once', async () => {
    const dir = tempDir()
    const dataDir = join(dir, 'db')
    // A child process appends 60 entries with a batch interval it never reaches, has 25 of them
    // applied, and is killed (SIGKILL) before the rest reach the database.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./testing/crashAfterAppends.ts', import.meta.url)), dataDir],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('../../../..', import.meta.url)) },
    )
    assert.equal(child.signal, 'SIGKILL', child.stderr)
    assert.match(child.stdout, /acknowledged 60/)
    const journalFile = `${dataDir}.totals.journal`
    assert.ok(statSync(journalFile).size > 0)
    // The crash also cut an append in half: that line was never acknowledged and is dropped.
    appendFileSync(journalFile, '{"s":"61","e":{"key":"torn","amo')
    const db = await openDatabase({ dataDir })
    const before = await readTotals(db)
    assert.equal(before.k?.rows, 25, 'the child applied 25 entries before it died')
    const journal = await createJournal<Entry>({ db, name: 'totals', apply: applyTotals })
    const totals = await readTotals(db)
    assert.deepEqual(totals.k, { amount: BigInt((60 * 61) / 2), rows: 60 })
    assert.equal(totals.torn, undefined)
    assert.equal(statSync(journalFile).size, 0, 'the replayed file is emptied')
    // New entries continue the sequence after the replayed ones.
    await journal.append({ key: 'k', amount: '1000' })
    await journal.close()
    assert.deepEqual((await readTotals(db)).k, { amount: BigInt((60 * 61) / 2 + 1000), rows: 61 })
    const [checkpoint] = await db.query<{ seq: string }>(
      "select seq from journal_checkpoints where name = 'totals'",
    )
    assert.equal(String(checkpoint?.seq), '61')
    await db.close()
  })

  it('skips entries the database checkpointed before the crash, and refuses a journal torn in the middle', async () => {
    const dir = tempDir()
    const dataDir = join(dir, 'db')
    const db = await openDatabase({ dataDir })
    await db.query(table)
    const first = await createJournal<Entry>({ db, name: 'totals', apply: applyTotals })
    for (let i = 1; i <= 6; i++) await first.append({ key: 'k', amount: `${i}` })
    await first.close()
    // The file of a process that died after its checkpoint 6 committed but before the file was emptied.
    const file = `${dataDir}.totals.journal`
    writeFileSync(
      file,
      Array.from(
        { length: 10 },
        (_, i) => `${JSON.stringify({ s: `${i + 1}`, e: { key: 'k', amount: `${i + 1}` } })}\n`,
      ).join(''),
    )
    await createJournal<Entry>({ db, name: 'totals', apply: applyTotals })
    assert.deepEqual((await readTotals(db)).k, { amount: 55n, rows: 10 })
    writeFileSync(
      file,
      `{"s":"11","e":{"key":"k"\n${JSON.stringify({ s: '12', e: { key: 'k', amount: '1' } })}\n`,
    )
    await assert.rejects(createJournal<Entry>({ db, name: 'totals', apply: applyTotals }), (error: Error) => {
      assert.ok(error instanceof JournalError)
      assert.match(error.message, /unreadable line 1/)
      return true
    })
    assert.match(readFileSync(file, 'utf8'), /"s":"12"/, 'a journal that cannot be replayed is kept as it is')
    await db.close()
  })

  it('refuses a name that cannot be a file name part', async () => {
    const db = await openDatabase()
    await assert.rejects(createJournal({ db, name: '../x', apply: async () => {} }), JournalError)
    await db.close()
  })
})
