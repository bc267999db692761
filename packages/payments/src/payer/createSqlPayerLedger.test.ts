import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { startPostgres, type TestPostgres } from '@infermesh/node/testing'
import type { Address, Hex } from 'viem'
import { createSqlPayerLedger } from './createSqlPayerLedger.js'
import type { PayerLedger } from './PayerLedger.js'

const provider: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const other: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const modelId: Hex = `0x${'AB'.repeat(32)}`

for (const writeBehind of [false, true])
  describe(`createSqlPayerLedger${writeBehind ? ', write-behind (journaled addBilled)' : ''}`, () => {
    let db: Database
    let ledger: PayerLedger
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'infermesh-ledger-'))
      db = await openDatabase(writeBehind ? { dataDir: join(dir, 'db') } : {})
      ledger = await createSqlPayerLedger(db, { writeBehind })
    })
    after(async () => {
      await ledger?.close?.()
      await db?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('starts every channel at 0 and adds verified costs atomically, never losing one', async () => {
      assert.equal(await ledger.billed(provider, modelId), 0n)
      const totals = await Promise.all(
        Array.from({ length: 20 }, () => ledger.addBilled(provider, modelId, 5n)),
      )
      assert.equal(await ledger.billed(provider, modelId), 100n)
      assert.deepEqual(
        [...totals].sort((a, b) => Number(a - b)),
        Array.from({ length: 20 }, (_, i) => BigInt(5 * (i + 1))),
      )
      // Model ids are matched whatever their case.
      assert.equal(await ledger.billed(provider, modelId.toLowerCase() as Hex), 100n)
    })

    it('accepts a claim that more is owed only up to the abort allowance, and spends it', async () => {
      assert.equal(await ledger.resync(other, modelId, 10n), undefined, 'no aborts: no catching up')
      assert.equal(await ledger.billed(other, modelId), 0n)
      await ledger.addAbortAllowance(other, modelId, 30n)
      assert.equal(await ledger.resync(other, modelId, 31n), undefined, 'more than the allowance')
      assert.equal(await ledger.resync(other, modelId, 20n), 20n)
      assert.equal(await ledger.billed(other, modelId), 20n)
      assert.equal(await ledger.resync(other, modelId, 31n), undefined, 'only 10 of the allowance is left')
      assert.equal(await ledger.resync(other, modelId, 30n), 30n)
      assert.equal(await ledger.resync(other, modelId, 5n), 30n, 'a lower claim changes nothing')
    })

    it('lists the channels with billed work', async () => {
      await ledger.addAbortAllowance(provider, `0x${'cd'.repeat(32)}`, 7n)
      assert.deepEqual(await ledger.channels(), [
        { provider: other, modelId: modelId.toLowerCase(), billed: 30n },
        { provider, modelId: modelId.toLowerCase(), billed: 100n },
      ])
    })
  })

describe('write-behind after a crash', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-ledger-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('keeps every billed cost it acknowledged, though the database never got them, to the wei', async () => {
    const dataDir = join(dir, 'db')
    const db = await openDatabase({ dataDir })
    const errors: unknown[] = []
    const ledger = await createSqlPayerLedger(db, {
      writeBehind: true,
      onError: (error) => errors.push(error),
    })
    const costs = Array.from({ length: 40 }, (_, i) => BigInt(1_000_000_007 * (i + 1)))
    const totals = await Promise.all(costs.map((cost) => ledger.addBilled(provider, modelId, cost)))
    const sum = costs.reduce((a, b) => a + b, 0n)
    assert.equal(
      totals.reduce((a, b) => (a > b ? a : b), 0n),
      sum,
    )
    // The crash: the database goes away before the journal's batch reached it (the ledger is never closed).
    await db.close()
    const reopened = await openDatabase({ dataDir })
    const again = await createSqlPayerLedger(reopened, { writeBehind: true })
    assert.equal(await again.billed(provider, modelId), sum)
    assert.deepEqual(await again.channels(), [{ provider, modelId: modelId.toLowerCase(), billed: sum }])
    await again.close?.()
    await reopened.close()
  })
})

describe('outstanding, answered from memory', () => {
  let db: Database
  before(async () => {
    db = await openDatabase()
  })
  after(() => db?.close())

  it("shows this ledger's own writes at once and another process's after at most a second", async () => {
    const ledger = await createSqlPayerLedger(db)
    const elsewhere = await createSqlPayerLedger(db) // another gateway on the same database
    const cd: Hex = `0x${'cd'.repeat(32)}`
    const owed = async () =>
      Object.fromEntries((await ledger.outstanding(provider)).map((c) => [c.modelId, c.owed]))
    assert.deepEqual(await owed(), {})
    await ledger.addBilled(provider, modelId, 10n)
    await ledger.addAbortAllowance(provider, cd, 4n)
    assert.deepEqual(await owed(), { [modelId.toLowerCase()]: 10n, [cd]: 4n })
    assert.equal(await ledger.resync(provider, cd, 3n), 3n)
    assert.deepEqual(await owed(), { [modelId.toLowerCase()]: 10n, [cd]: 4n }, 'billed 3 + allowance 1')
    await ledger.addBilled(provider, cd, 2n)
    assert.deepEqual(await owed(), { [modelId.toLowerCase()]: 10n, [cd]: 6n })

    await elsewhere.addBilled(provider, modelId, 100n)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    assert.deepEqual(await owed(), { [modelId.toLowerCase()]: 110n, [cd]: 6n })
    // A write of this ledger brings back the row's totals, another process's part included.
    await elsewhere.addBilled(provider, modelId, 1000n)
    await ledger.addBilled(provider, modelId, 1n)
    assert.deepEqual(await owed(), { [modelId.toLowerCase()]: 1111n, [cd]: 6n })
  })
})

describe('a gateway database from before the payments package', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-ledger-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('opens with its channels kept: gateway_channels becomes payer_channels', async () => {
    const old = await openDatabase({ dataDir: dir })
    // The gateway's table as createGatewayStore made it until the payer moved out.
    await old.query(`create table if not exists gateway_channels (
      provider text not null,
      model_id text not null,
      billed numeric(78, 0) not null default 0,
      abort_allowance numeric(78, 0) not null default 0,
      updated_at timestamptz not null default now(),
      primary key (provider, model_id)
    )`)
    await old.query(
      'insert into gateway_channels (provider, model_id, billed, abort_allowance) values ($1, $2, $3, $4)',
      [provider, modelId.toLowerCase(), '123456789012345678901234567890', '9'],
    )
    await old.close()

    const db = await openDatabase({ dataDir: dir })
    try {
      const ledger = await createSqlPayerLedger(db)
      assert.equal(await ledger.billed(provider, modelId), 123456789012345678901234567890n)
      assert.equal(
        await ledger.resync(provider, modelId, 123456789012345678901234567899n),
        123456789012345678901234567899n,
      )
      const tables = await db.query<{ name: string }>(
        `select table_name as name from information_schema.tables where table_name like '%_channels' order by 1`,
      )
      assert.deepEqual(
        tables.map((t) => t.name),
        ['payer_channels'],
      )
      // Opening again (every start) changes nothing.
      const again = await createSqlPayerLedger(db)
      assert.equal(await again.billed(provider, modelId), 123456789012345678901234567899n)
    } finally {
      await db.close()
    }
  })
})

describe('several payer processes starting at once on one PostgreSQL', () => {
  let postgres: TestPostgres
  const opened: Database[] = []
  before(async () => {
    postgres = await startPostgres()
  })
  after(async () => {
    for (const db of opened) await db.close()
    await postgres?.stop()
  })

  it('migrate an old gateway database once and share its channels', async () => {
    const first = await openDatabase({ url: postgres.url })
    opened.push(first)
    await first.query('drop table if exists payer_channels')
    await first.query(`create table gateway_channels (
      provider text not null,
      model_id text not null,
      billed numeric(78, 0) not null default 0,
      abort_allowance numeric(78, 0) not null default 0,
      updated_at timestamptz not null default now(),
      primary key (provider, model_id)
    )`)
    await first.query('insert into gateway_channels (provider, model_id, billed) values ($1, $2, $3)', [
      provider,
      modelId.toLowerCase(),
      '40',
    ])
    const databases = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: postgres.url })))
    opened.push(...databases)
    const ledgers = await Promise.all(databases.map((db) => createSqlPayerLedger(db)))
    await Promise.all(ledgers.map((ledger) => ledger.addBilled(provider, modelId, 15n)))
    assert.equal(await (ledgers[0] as PayerLedger).billed(provider, modelId), 100n)
    const tables = await first.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_name like '%_channels' order by 1`,
    )
    assert.deepEqual(
      tables.map((t) => t.name),
      ['payer_channels'],
    )
  })
})
