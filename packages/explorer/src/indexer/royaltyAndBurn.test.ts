import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  type DevChain,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsAbi,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import { type Hex, parseEther } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { readModels } from '../queries/readModels.js'
import { readOverview } from '../queries/readOverview.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const quiet = { info: () => {}, warn: () => {} }
const modelId = `0x${'5a'.repeat(32)}` as Hex

describe('the indexer on issue-11 events (real anvil, PGlite)', () => {
  let chain: DevChain
  before(async () => {
    chain = await startDevChain()
  })
  after(async () => {
    await chain?.stop()
  })

  it('shows a new royalty as scheduled (0 in force) until its effectiveAt, and burned = sent to 0 + booked', async () => {
    const { models, payments, token } = chain.deployment.contracts
    const [author, payer, provider] = [chain.account(3), chain.account(1), chain.account(2)]
    await chain.send(author, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'scheduled', '', 1500, author.address],
    })
    await chain.fund(payer.address, parseEther('10'))
    await chain.deposit(payer, parseEther('10'), [{ provider: provider.address, amount: parseEther('4') }])
    let cumulative = 0n
    const redeem = async (amount: bigint) => {
      cumulative += amount
      const voucher = {
        payer: payer.address,
        provider: provider.address,
        modelId,
        cumulativeAmount: cumulative,
      }
      const signature = await signVoucher({
        account: payer,
        chainId: chain.deployment.chainId,
        payments,
        voucher,
      })
      await chain.send(provider, {
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [voucher, signature],
      })
    }
    await redeem(parseEther('1'))
    await chain.send(provider, { address: payments, abi: paymentsAbi, functionName: 'flushBurn' })
    await redeem(parseEther('0.3'))

    const db = await openDatabase()
    try {
      await migrateExplorerDatabase(db)
      const indexer = createIndexer({
        db,
        publicClient: chain.publicClient,
        contracts: createEventHandlers(chain.deployment.contracts),
        startBlock: chain.deployment.startBlock,
        confirmations: 0,
        batchBlocks: 100,
        pollMs: 50,
        log: quiet,
      })
      await indexer.syncOnce()
      await indexer.stop()

      const [, effectiveAt] = await chain.publicClient.readContract({
        address: models,
        abi: modelRegistryAbi,
        functionName: 'pendingRoyalty',
        args: [modelId],
      })
      const now = (await chain.publicClient.getBlock()).timestamp
      const model = (await readModels(db, now)).find((m) => m.modelId === modelId)
      assert.equal(model?.royaltyBps, 0)
      assert.deepEqual(model?.pendingRoyalty, { bps: 1500, effectiveAt: Number(effectiveAt) })
      const later = (await readModels(db, effectiveAt)).find((m) => m.modelId === modelId)
      assert.equal(later?.royaltyBps, 1500)
      assert.equal(later?.pendingRoyalty, null)

      // 5% of 1 MESH flushed (80% of it a Transfer to 0, 20% to VerificationFees), 5% of 0.3 booked: the
      // overview counts both.
      const [flushed, pending] = await Promise.all([
        chain.publicClient.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalBurned' }),
        chain.publicClient.readContract({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }),
      ])
      assert.equal(flushed, parseEther('0.04'))
      assert.equal(pending, parseEther('0.015'))
      const overview = await readOverview(db, { onlineWithinMs: 60_000 })
      assert.equal(overview.supply.burned, (flushed + pending).toString())
      const supply = await chain.publicClient.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'totalSupply',
      })
      assert.equal(BigInt(overview.supply.minted) - BigInt(overview.supply.burned), supply - pending)
    } finally {
      await db.close()
    }
  })
})
