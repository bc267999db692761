import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DatabaseError, openDatabase } from './openDatabase.js'

it('runs SQL and transactions on embedded PGlite, rolling back a failed transaction', async () => {
  const db = await openDatabase()
  try {
    await db.query('create table t (n int)')
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('insert into t values ($1)', [1])
        throw new Error('abort')
      }),
      /abort/,
    )
    await db.transaction((tx) => tx.query('insert into t values ($1)', [2]))
    assert.deepEqual(await db.query('select n from t'), [{ n: 2 }])
  } finally {
    await db.close()
  }
})

it('says where PostgreSQL could not be reached, without the password', async () => {
  const error = await openDatabase({ url: 'postgres://user:secret@127.0.0.1:1/db' }).catch((e: unknown) => e)
  assert.ok(error instanceof DatabaseError)
  assert.equal(error.message, 'Cannot connect to PostgreSQL at postgres://user:********@127.0.0.1:1/db.')
  assert.equal(error.retryable, true)
  assert.doesNotMatch(`${error.message} ${error.details}`, /secret/)
})
