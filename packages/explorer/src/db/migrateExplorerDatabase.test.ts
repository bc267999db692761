import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { indexVersion, migrateExplorerDatabase } from './migrateExplorerDatabase.js'

const columns = async (db: Database, table: string) =>
  (
    await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = $1 order by ordinal_position`,
      [table],
    )
  ).map((row) => row.column_name)

/** PGlite holding an index made by the explorer before consensus v2 (index version 4). */
describe('migrateExplorerDatabase', () => {
  let db: Database
  before(async () => {
    db = await openDatabase()
    await db.query('create table explorer_meta (key text primary key, value text not null)')
    await db.query(`insert into explorer_meta (key, value) values ('indexVersion', '4')`)
    await db.query(`create table accounts (address text primary key, stake numeric(78, 0) not null default 0,
      unbonding numeric(78, 0) not null default 0, slashed numeric(78, 0) not null default 0,
      locked numeric(78, 0) not null default 0)`)
    await db.query(`insert into accounts (address, stake, locked) values ('0xab', 5, 2)`)
    await db.query(`create table dispute_votes (dispute_id bigint not null, member text not null,
      guilty boolean not null, at timestamptz not null, primary key (dispute_id, member))`)
    await db.query(`create table probes (provider text not null, at timestamptz not null, ok boolean not null,
      latency_ms integer, requests bigint, tokens_in bigint, tokens_out bigint, primary key (provider, at))`)
    await db.query(`insert into probes (provider, at, ok, latency_ms) values ('0xab', now(), true, 12)`)
  })
  after(async () => {
    await db?.close()
  })

  it('drops and recreates the chain’s tables in their new shape, keeps what the explorer measured, and then leaves everything alone', async () => {
    assert.equal(indexVersion, 7)
    assert.equal(await migrateExplorerDatabase(db), true, 'an index of another version was there')
    assert.deepEqual(await columns(db, 'accounts'), ['address', 'stake', 'unbonding', 'slashed', 'frozen'])
    assert.deepEqual(await db.query('select * from accounts'), [], 'derived from the chain: indexed again')
    assert.deepEqual(await columns(db, 'dispute_votes'), [
      'dispute_id',
      'member',
      'round',
      'committed_at',
      'guilty',
      'revealed_at',
      'penalty',
    ])
    assert.deepEqual(await columns(db, 'dispute_rounds'), [
      'dispute_id',
      'round',
      'members',
      'commit_ends',
      'reveal_ends',
      'drawn_at',
      'escalated_at',
    ])
    assert.deepEqual(await columns(db, 'validator_models'), ['validator', 'model_id'])
    assert.deepEqual(await columns(db, 'fee_shares'), ['epoch', 'validator', 'votes', 'claimed'])
    const [probe] = await db.query<{ latency_ms: number }>('select latency_ms from probes')
    assert.equal(probe?.latency_ms, 12, 'probes are not the chain’s: kept')
    const [version] = await db.query<{ value: string }>(
      `select value from explorer_meta where key = 'indexVersion'`,
    )
    assert.equal(version?.value, '7')

    await db.query(`insert into accounts (address, frozen) values ('0xcd', 1)`)
    assert.equal(await migrateExplorerDatabase(db), false, 'same version: nothing to do')
    assert.deepEqual(await db.query('select address, frozen::text from accounts'), [
      { address: '0xcd', frozen: '1' },
    ])
  })

  it('on an empty database creates every table and says no index was there before', async () => {
    const fresh = await openDatabase()
    try {
      assert.equal(await migrateExplorerDatabase(fresh), false)
      assert.deepEqual(await columns(fresh, 'validator_models'), ['validator', 'model_id'])
    } finally {
      await fresh.close()
    }
  })
})
