import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import type { Hex } from 'viem'
import { createGatewayStore, type GatewayStore, type UsageRecord } from './createGatewayStore.js'

for (const writeBehind of [false, true]) {
  const name = (title: string) => (writeBehind ? `${title} (write-behind journal)` : title)
  let db: Database
  let store: GatewayStore
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-store-'))
    db = await openDatabase(writeBehind ? { dataDir: join(dir, 'db') } : {})
    store = await createGatewayStore(db, { writeBehind })
  })
  after(async () => {
    await store.close()
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })

  const record = (apiKeyId: string, cost: bigint, release: bigint): UsageRecord => ({
    apiKeyId,
    provider: `0x${'1'.repeat(40)}`,
    model: 'tiny',
    modelId: `0x${'A'.repeat(64)}` as Hex,
    promptTokens: 3,
    completionTokens: 5,
    cost,
    latencyMs: 12.4,
    requestHash: `0x${'b'.repeat(64)}`,
    release,
  })
  const reservedOf = async (id: string) => {
    await store.flush()
    return BigInt(
      (await db.query<{ reserved: string }>('select reserved from api_keys where id = $1', [id]))[0]
        ?.reserved ?? -1,
    )
  }

  test(
    name('recordUsage writes the record, adds the cost and releases the reservation in one statement'),
    async () => {
      const { id, key } = await store.createApiKey('one', 1000n)
      assert.equal(await store.reserve(id, 400n), true)
      assert.equal(await reservedOf(id), 400n)
      await store.recordUsage(record(id, 150n, 400n))
      assert.equal((await store.findApiKey(key))?.spent, 150n)
      assert.equal(await reservedOf(id), 0n)
      const usage = await store.usage(id)
      assert.deepEqual(usage.totals, { requests: 1, promptTokens: 3, completionTokens: 5, cost: '150' })
      assert.equal(usage.records[0]?.latencyMs, 12)
      const [row] = await db.query<{ model_id: string }>(
        'select model_id from usage_records where api_key_id = $1',
        [id],
      )
      assert.equal(row?.model_id, `0x${'a'.repeat(64)}`)
    },
  )

  test(
    name('a usage record that cannot be written changes neither the spending nor the reservation'),
    async () => {
      const { id, key } = await store.createApiKey('two', 1000n)
      assert.equal(await store.reserve(id, 300n), true)
      // A latency that is not a number fails the insert inside the statement: nothing of it commits.
      await assert.rejects(store.recordUsage({ ...record(id, 100n, 300n), latencyMs: Number.NaN }))
      assert.equal((await store.findApiKey(key))?.spent, 0n)
      assert.equal(await reservedOf(id), 300n)
      assert.equal((await store.usage(id)).totals.requests, 0)
    },
  )

  test(name('concurrent reservations never overrun the spending limit'), async () => {
    const { id } = await store.createApiKey('three', 1000n)
    const results = await Promise.all(Array.from({ length: 12 }, () => store.reserve(id, 100n)))
    assert.equal(results.filter(Boolean).length, 10)
    assert.equal(await reservedOf(id), 1000n)
    await store.recordUsage(record(id, 60n, 100n))
    // 60 spent + 900 reserved: 40 left.
    assert.equal(await store.reserve(id, 41n), false)
    assert.equal(await store.reserve(id, 40n), true)
  })
}
