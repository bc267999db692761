import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { startPostgres } from '@infermesh/node/testing'
import {
  type DevChain,
  meshTokenAbi,
  paymentsAbi,
  registryAbi,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import { type Hex, parseEther, zeroAddress } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { createIndexer, type IndexerOptions } from './createIndexer.js'
import { type ContractHandlers, createEventHandlers, type EventHandler } from './eventHandlers.js'

const quiet = { info: () => {}, warn: () => {} }
const modelId = `0x${'ab'.repeat(32)}` as Hex

async function registerProvider(chain: DevChain, index: number, price: bigint) {
  const account = chain.account(index)
  const { token, registry } = chain.deployment.contracts
  await chain.mint(account.address, parseEther('2000'))
  await chain.send(account, {
    address: token,
    abi: meshTokenAbi,
    functionName: 'approve',
    args: [registry, parseEther('1500')],
  })
  await chain.send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'stake',
    args: [parseEther('1500')],
  })
  await chain.send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'registerProvider',
    args: [
      `http://127.0.0.1:${9000 + index}`,
      'eu-west',
      { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 8, ramMb: 65536 },
      [{ modelId, pricePerMInput: price, pricePerMOutput: 2n * price }],
    ],
  })
  return account
}

/** What the database says, to compare with the chain. */
async function figures(db: Database) {
  const [events] = await db.query<{ n: number; distinct: number }>(
    'select count(*)::int as n, count(distinct (block_number, log_index))::int as distinct from chain_events',
  )
  // Burned: sent to 0, plus what Payments booked at redemptions and has not flushed yet.
  const [supply] = await db.query<{ minted: string; burned: string }>(
    `select coalesce(sum((args->>'value')::numeric) filter (where name = 'Transfer' and args->>'from' = $1), 0)::text as minted,
            (coalesce(sum((args->>'value')::numeric) filter (where name = 'Transfer' and args->>'to' = $1), 0)
             + coalesce(sum((args->>'burned')::numeric) filter (where name = 'Redeemed'), 0)
             - coalesce(sum((args->>'amount')::numeric) filter (where name = 'BurnFlushed'), 0))::text as burned
     from chain_events where name in ('Transfer', 'Redeemed', 'BurnFlushed')`,
    [zeroAddress],
  )
  const stakes = await db.query<{ address: string; stake: string }>(
    'select address, stake::text from accounts order by address',
  )
  const [earnings] = await db.query<{ redemptions: number; amount: string }>(
    'select coalesce(sum(redemptions), 0)::int as redemptions, coalesce(sum(amount), 0)::text as amount from earnings',
  )
  return { events: events?.n ?? 0, distinct: events?.distinct ?? 0, supply, stakes, earnings }
}

/** The same figures read from the chain itself. */
async function chainFigures(chain: DevChain) {
  const { token, payments, registry } = chain.deployment.contracts
  const read = chain.publicClient
  const [minted, flushed, pending] = await Promise.all([
    read.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalMinted' }),
    read.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalBurned' }),
    read.readContract({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }),
  ])
  const burned = flushed + pending
  const fromBlock = chain.deployment.startBlock
  const redeemed = await read.getContractEvents({
    address: payments,
    abi: paymentsAbi,
    eventName: 'Redeemed',
    fromBlock,
  })
  const providers = await read.readContract({
    address: registry,
    abi: registryAbi,
    functionName: 'getProviders',
    args: [0n, 100n],
  })
  return {
    minted: minted.toString(),
    burned: burned.toString(),
    redemptions: redeemed.length,
    redeemed: redeemed.reduce((sum, e) => sum + (e.args.amount ?? 0n), 0n).toString(),
    stakes: providers.map((p) => ({ address: p.provider.toLowerCase(), stake: p.stake.toString() })),
  }
}

describe('the indexer', () => {
  let chain: DevChain
  let dir: string
  let handlers: ContractHandlers[]
  let cumulative = 0n
  const opened: Database[] = []

  const open = async () => {
    const db = await openDatabase({ dataDir: join(dir, 'db') })
    opened.push(db)
    await migrateExplorerDatabase(db)
    return db
  }
  const indexer = (db: Database, extra: Partial<IndexerOptions> = {}) =>
    createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: handlers,
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 3,
      pollMs: 50,
      log: quiet,
      ...extra,
    })
  /** The payer pays provider `provider` 1 MESH more on the channel: a Redeemed event and a burn. */
  const redeem = async (provider: ReturnType<DevChain['account']>) => {
    const payer = chain.account(1)
    cumulative += parseEther('1')
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: cumulative,
    }
    const signature = await signVoucher({
      account: payer,
      chainId: chain.deployment.chainId,
      payments: chain.deployment.contracts.payments,
      voucher,
    })
    await chain.send(provider, {
      address: chain.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
  }

  before(async () => {
    chain = await startDevChain()
    dir = await mkdtemp(join(tmpdir(), 'infermesh-explorer-indexer-'))
    handlers = createEventHandlers(chain.deployment.contracts)
    await chain.fund(chain.account(1).address, parseEther('100'))
    // Account 2 is the provider that redeems: its redemptions draw on this allocation.
    await chain.deposit(chain.account(1), parseEther('50'), [
      { provider: chain.account(2).address, amount: parseEther('50') },
    ])
  })
  after(async () => {
    for (const db of opened) await db.close().catch(() => {})
    await chain?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('resumes after a restart in the middle of the chain without missing or double-counting an event', async () => {
    const provider = await registerProvider(chain, 2, parseEther('1'))
    for (let i = 0; i < 4; i++) await redeem(provider)

    // First run: stopped after two batches of 3 blocks, far from the head.
    let db = await open()
    let batches = 0
    const first = indexer(db, {
      onProgress: () => {
        if (++batches === 2) void first.stop()
      },
    })
    const stoppedAt = await first.syncOnce()
    await first.stop()
    const head = await chain.publicClient.getBlockNumber()
    assert.ok(stoppedAt.indexedBlock < head, `stopped at ${stoppedAt.indexedBlock}, before the head ${head}`)
    await db.close()

    // More happens while the explorer is down, including a flush of the booked burn.
    await registerProvider(chain, 3, parseEther('2'))
    await chain.send(provider, {
      address: chain.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'flushBurn',
    })
    for (let i = 0; i < 3; i++) await redeem(provider)

    // Second run on the same database: picks up after the last committed batch.
    db = await open()
    const second = indexer(db)
    const done = await second.syncOnce()
    assert.equal(done.indexedBlock, await chain.publicClient.getBlockNumber())
    const ours = await figures(db)
    const theirs = await chainFigures(chain)
    assert.equal(ours.events, ours.distinct)
    assert.deepEqual(ours.supply, { minted: theirs.minted, burned: theirs.burned })
    assert.deepEqual(ours.earnings, { redemptions: theirs.redemptions, amount: theirs.redeemed })
    assert.equal(theirs.redemptions, 7)
    for (const { address, stake } of theirs.stakes)
      assert.equal(ours.stakes.find((s) => s.address === address)?.stake, stake, `stake of ${address}`)
    await db.close()
  })

  it('keeps nothing of a batch that failed halfway, and counts its events once on the retry', async () => {
    const provider = chain.account(2)
    await redeem(provider)
    await redeem(provider)
    const db = await open()
    let failures = 1
    // The handler table is the indexer's extension point: here one handler fails once, after the
    // honest one wrote its row, so a batch not rolled back would count that redemption twice.
    const failingRedeemed: EventHandler = async (tx, event) => {
      await payments?.handlers.Redeemed?.(tx, event)
      if (failures-- > 0) throw new Error('the database went away')
    }
    const payments = handlers.find((contract) => contract.name === 'payments')
    const failing = handlers.map((contract) =>
      contract === payments
        ? { ...contract, handlers: { ...contract.handlers, Redeemed: failingRedeemed } }
        : contract,
    )
    const warnings: Record<string, unknown>[] = []
    const progress = await indexer(db, {
      contracts: failing,
      log: { info: () => {}, warn: (obj) => warnings.push(obj as Record<string, unknown>) },
    }).syncOnce()
    assert.equal(progress.indexedBlock, await chain.publicClient.getBlockNumber())
    assert.deepEqual(
      warnings.map((w) => [w.msg, w.event, w.attempt]),
      [['an event could not be indexed: its batch was rolled back and is tried again', 'Redeemed', 1]],
    )
    const ours = await figures(db)
    const theirs = await chainFigures(chain)
    assert.deepEqual(ours.earnings, { redemptions: theirs.redemptions, amount: theirs.redeemed })
    assert.deepEqual(ours.supply, { minted: theirs.minted, burned: theirs.burned })
    assert.equal(ours.events, ours.distinct)
    const [quarantined] = await db.query<{ n: number }>('select count(*)::int as n from quarantined_events')
    assert.equal(quarantined?.n, 0, 'an event that failed once is not quarantined')
    await db.close()
  })

  it('rewinds a reorg on anvil (a mint replaced by another) and ends with the new chain state', async () => {
    const db = await open()
    const rewinds: bigint[] = []
    const follow = indexer(db, {
      onProgress: (progress) => {
        if (progress.rewoundTo !== undefined) rewinds.push(progress.rewoundTo)
      },
    })
    await follow.syncOnce()
    const snapshot = await chain.publicClient.request({ method: 'evm_snapshot' as never })
    await chain.mint(chain.account(5).address, parseEther('5'))
    await redeem(chain.account(2))
    await follow.syncOnce()
    const onOldFork = await figures(db)

    // Same height, other blocks: the cursor's block hash changed.
    await chain.publicClient.request({ method: 'evm_revert' as never, params: [snapshot] as never })
    cumulative -= parseEther('1')
    await chain.mint(chain.account(6).address, parseEther('7'))
    await chain.mint(chain.account(6).address, parseEther('1'))
    await follow.syncOnce()
    assert.equal(rewinds.length, 1, 'one rewind')
    let ours = await figures(db)
    let theirs = await chainFigures(chain)
    assert.notDeepEqual(ours.supply, onOldFork.supply)
    assert.deepEqual(ours.supply, { minted: theirs.minted, burned: theirs.burned })
    assert.deepEqual(ours.earnings, { redemptions: theirs.redemptions, amount: theirs.redeemed })

    // A longer new fork: the next block's parent is not the cursor's block.
    const second = await chain.publicClient.request({ method: 'evm_snapshot' as never })
    await chain.mint(chain.account(7).address, parseEther('3'))
    await follow.syncOnce()
    await chain.publicClient.request({ method: 'evm_revert' as never, params: [second] as never })
    for (let i = 0; i < 3; i++) await chain.mint(chain.account(8).address, parseEther('2'))
    await follow.syncOnce()
    assert.equal(rewinds.length, 2, 'a second rewind')
    ours = await figures(db)
    theirs = await chainFigures(chain)
    assert.deepEqual(ours.supply, { minted: theirs.minted, burned: theirs.burned })
    assert.equal(ours.events, ours.distinct)
    const [row] = await db.query<{ n: number }>(
      `select count(*)::int as n from chain_events where args->>'to' = $1`,
      [chain.account(7).address.toLowerCase()],
    )
    assert.equal(row?.n, 0, 'the mint of the abandoned fork is gone')
    await db.close()
  })

  it('indexes into PostgreSQL (DATABASE_URL) the same figures as the chain holds', async () => {
    const postgres = await startPostgres()
    // A schema of its own, so a shared server (DATABASE_URL in CI) starts empty.
    const schema = `explorer_test_${process.pid}_${Date.now()}`
    const admin = await openDatabase({ url: postgres.url })
    await admin.query(`create schema ${schema}`)
    const db = await openDatabase({
      url: `${postgres.url}${postgres.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    })
    try {
      assert.equal(db.kind, 'postgres')
      await migrateExplorerDatabase(db)
      await indexer(db, { batchBlocks: 5 }).syncOnce()
      const ours = await figures(db)
      const theirs = await chainFigures(chain)
      assert.deepEqual(ours.supply, { minted: theirs.minted, burned: theirs.burned })
      assert.deepEqual(ours.earnings, { redemptions: theirs.redemptions, amount: theirs.redeemed })
      for (const { address, stake } of theirs.stakes)
        assert.equal(ours.stakes.find((s) => s.address === address)?.stake, stake, `stake of ${address}`)
    } finally {
      await db.close()
      await admin.query(`drop schema ${schema} cascade`).catch(() => {})
      await admin.close()
      await postgres.stop()
    }
  })
})
