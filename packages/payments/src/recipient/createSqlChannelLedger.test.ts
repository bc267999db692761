import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { startPostgres, type TestPostgres } from '@infermesh/node/testing'
import type { Address, Hex } from 'viem'
import type { ChannelLedger } from './ChannelLedger.js'
import { createSqlChannelLedger } from './createSqlChannelLedger.js'

const payer: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const otherPayer: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const sig = (n: number) => `0x${n.toString(16).padStart(130, '0')}` as Hex
const receipt = (modelId: Hex, cost: bigint, from: Address = payer) => ({
  payer: from,
  modelId,
  requestHash: `0x${'11'.repeat(32)}` as Hex,
  responseHash: `0x${'22'.repeat(32)}` as Hex,
  inputTokens: 3n,
  outputTokens: 5n,
  cost,
})

/** The same behaviour on both engines: one SQL dialect. */
function behavesLikeAChannelLedger(
  engine: string,
  open: () => Promise<Database>,
  options: { writeBehind?: boolean } = {},
) {
  describe(`the SQL channel ledger on ${engine}`, () => {
    let db: Database
    let store: ChannelLedger
    // A model id per engine run, so a shared DATABASE_URL server does not mix runs.
    const modelId = `0x${Date.now().toString(16).padStart(64, 'a')}` as Hex

    before(async () => {
      db = await open()
      store = await createSqlChannelLedger(db, options)
    })
    after(async () => {
      await store?.close?.()
      await db?.close()
    })

    it('starts every channel empty', async () => {
      assert.deepEqual(await store.get(payer, modelId), {
        payer,
        modelId,
        owed: 0n,
        voucher: 0n,
        signature: null,
        redeemed: 0n,
      })
    })

    it('adds concurrent receipts atomically: cumulatives are distinct and the last equals the sum', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.addReceipt(receipt(modelId, BigInt(i + 1)), async () => sig(i)),
        ),
      )
      const cumulatives = results.map((r) => r.cumulative).sort((a, b) => (a < b ? -1 : 1))
      assert.equal(new Set(cumulatives).size, 40)
      assert.equal(cumulatives.at(-1), 820n) // 1 + 2 + … + 40
      assert.equal((await store.get(payer, modelId)).owed, 820n)
      assert.equal(await store.unpaid(payer), 820n)
    })

    it('keeps the highest voucher and never lowers it', async () => {
      await store.saveVoucher(payer, modelId, 500n, sig(500))
      await store.saveVoucher(payer, modelId, 300n, sig(300))
      const channel = await store.get(payer, modelId)
      assert.equal(channel.voucher, 500n)
      assert.equal(channel.signature, sig(500))
      assert.equal(await store.unpaid(payer), 320n)
    })

    it('adopts a voucher above what it recorded as owed', async () => {
      const channel = await store.saveVoucher(otherPayer, modelId, 77n, sig(77))
      assert.equal(channel.owed, 77n)
      assert.equal(await store.unpaid(otherPayer), 0n)
      assert.equal(await store.exposure(otherPayer), 77n)
    })

    it('lists redeemable channels and records redemptions without ever lowering them', async () => {
      const redeemable = await store.redeemable(10)
      const mine = redeemable.filter((c) => c.modelId === modelId)
      assert.deepEqual(
        mine.map((c) => [c.payer, c.voucher - c.redeemed]),
        [
          [payer, 500n],
          [otherPayer, 77n],
        ],
      )
      await store.setRedeemed(payer, modelId, 500n)
      await store.setRedeemed(payer, modelId, 100n)
      assert.equal((await store.get(payer, modelId)).redeemed, 500n)
      assert.equal(await store.exposure(payer), 320n) // owed 820 − redeemed 500
      assert.deepEqual(
        (await store.redeemable(10)).filter((c) => c.modelId === modelId).map((c) => c.payer),
        [otherPayer],
      )
    })
  })
}

let postgres: TestPostgres
before(async () => {
  postgres = await startPostgres()
})
after(async () => {
  await postgres?.stop()
})

behavesLikeAChannelLedger('PGlite', () => openDatabase())
behavesLikeAChannelLedger('PGlite, write-behind', () => openDatabase(), { writeBehind: true })
behavesLikeAChannelLedger('PostgreSQL', () => openDatabase({ url: postgres.url }))

describe('the SQL channel ledger on a PGlite directory', () => {
  for (const writeBehind of [false, true])
    it(`keeps vouchers and receipts across a restart${writeBehind ? ' (write-behind: the journal is replayed, the ledger was never closed)' : ''}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'infermesh-store-'))
      const modelId = `0x${'ab'.repeat(32)}` as Hex
      try {
        const first = await openDatabase({ dataDir: dir })
        const store = await createSqlChannelLedger(first, { writeBehind, journalFlushMs: 3_600_000 })
        await store.addReceipt(receipt(modelId, 42n), async () => sig(1))
        await store.saveVoucher(payer, modelId, 42n, sig(42))
        await first.close()

        const second = await openDatabase({ dataDir: dir })
        const reopened = await createSqlChannelLedger(second, { writeBehind })
        const channel = await reopened.get(payer, modelId)
        assert.equal(channel.owed, 42n)
        assert.equal(channel.voucher, 42n)
        assert.equal(channel.signature, sig(42))
        assert.equal((await reopened.totals()).receipts, 1)
        await second.close()
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
})
