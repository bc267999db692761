// Test helper for createJournal.test.ts: opens a PGlite database in the directory given, appends 60
// entries to the journal `totals` (25 of them applied, the rest left waiting for a batch interval of an
// hour), says how many were acknowledged, and kills itself with SIGKILL: a crash, with no cleanup.
import { openDatabase } from '../../database/openDatabase.js'
import { createJournal } from '../createJournal.js'

const dataDir = process.argv[2]
if (!dataDir) throw new Error('usage: crashAfterAppends.ts <dataDir>')
const db = await openDatabase({ dataDir })
await db.query(
  'create table if not exists totals (key text primary key, amount numeric not null, rows integer not null)',
)
const journal = await createJournal<{ key: string; amount: string }>({
  db,
  name: 'totals',
  flushMs: 3_600_000,
  maxBatch: 25,
  apply: async (tx, entries) => {
    for (const entry of entries)
      await tx.query(
        `insert into totals (key, amount, rows) values ($1, $2, 1)
         on conflict (key) do update set amount = totals.amount + excluded.amount, rows = totals.rows + 1`,
        [entry.key, entry.amount],
      )
  },
})
for (let i = 1; i <= 25; i++) await journal.append({ key: 'k', amount: `${i}` })
// The first 25 reach the database (one batch); the next 35 stay in the journal file only.
await journal.flush()
for (let i = 26; i <= 60; i++) await journal.append({ key: 'k', amount: `${i}` })
process.stdout.write('acknowledged 60\n', () => process.kill(process.pid, 'SIGKILL'))
