import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  type DevChain,
  meshTokenAbi,
  modelRegistryAbi,
  modelSharesAbi,
  modelSharesFactoryAbi,
  paymentsAbi,
  shareOfferingAbi,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import { type Address, createTestClient, type Hex, http, parseEther } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { readModels } from '../queries/readModels.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const quiet = { info: () => {}, warn: () => {} }
const modelId = `0x${'7c'.repeat(32)}` as Hex
const flopId = `0x${'7d'.repeat(32)}` as Hex

/**
 * The explorer follows model share tokens and offerings the factory creates (real anvil, PGlite): holders
 * and balances from Transfer events, the offering's raise and outcome, royalties pulled and claimed, and
 * it keeps following them after a restart.
 */
describe('the indexer on model revenue shares (issue 15)', () => {
  let chain: DevChain
  before(async () => {
    chain = await startDevChain()
  })
  after(async () => {
    await chain?.stop()
  })

  it('shows each share token with its holders, royalties and offering, matching the chain', async () => {
    const { models, payments, token, modelSharesFactory: factory } = chain.deployment.contracts
    const [author, alice, bob, payer, provider] = [1, 2, 3, 4, 5].map((i) => chain.account(i)) as [
      ReturnType<DevChain['account']>,
      ReturnType<DevChain['account']>,
      ReturnType<DevChain['account']>,
      ReturnType<DevChain['account']>,
      ReturnType<DevChain['account']>,
    ]
    const block = async () => (await chain.publicClient.getBlock()).timestamp
    const terms = async (offered: bigint, minRaise: bigint) => ({
      sharesOffered: offered,
      startPrice: parseEther('0.01'),
      floorPrice: parseEther('0.01'),
      start: await block(),
      end: (await block()) + 3600n,
      minRaise,
      minRoyaltyBps: 1000,
    })
    const create = async (id: Hex, name: string, minRaise: bigint) => {
      await chain.send(author, {
        address: models,
        abi: modelRegistryAbi,
        functionName: 'register',
        args: [id, name, '', 0, '0x0000000000000000000000000000000000000000'],
      })
      await chain.send(author, {
        address: factory,
        abi: modelSharesFactoryAbi,
        functionName: 'create',
        args: [id, `${name} shares`, 'S', parseEther('1000000'), await terms(parseEther('400000'), minRaise)],
      })
      const [shares, offering] = (await Promise.all([
        chain.publicClient.readContract({
          address: factory,
          abi: modelSharesFactoryAbi,
          functionName: 'sharesOf',
          args: [id],
        }),
        chain.publicClient.readContract({
          address: factory,
          abi: modelSharesFactoryAbi,
          functionName: 'offeringOf',
          args: [id],
        }),
      ])) as [Address, Address]
      await chain.send(author, {
        address: models,
        abi: modelRegistryAbi,
        functionName: 'setRoyalty',
        args: [id, 1000, shares],
      })
      // A sale sells only once the royalty is locked to the share token.
      await chain.send(author, {
        address: models,
        abi: modelRegistryAbi,
        functionName: 'lockRoyalty',
        args: [id, 1000],
      })
      return { shares, offering }
    }
    const buy = async (offering: Address, buyer: typeof alice, amount: bigint) => {
      await chain.fund(buyer.address, parseEther('10000'))
      await chain.send(buyer, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [offering, parseEther('10000')],
      })
      await chain.send(buyer, {
        address: offering,
        abi: shareOfferingAbi,
        functionName: 'buy',
        args: [amount, parseEther('0.01')],
      })
    }

    const tiny = await create(modelId, 'tiny-shares', parseEther('1000'))
    const flop = await create(flopId, 'flop-shares', parseEther('4000'))
    await buy(tiny.offering, alice, parseEther('150000'))
    await buy(tiny.offering, bob, parseEther('50000'))
    await buy(flop.offering, bob, parseEther('1000'))

    const db = await openDatabase()
    try {
      await migrateExplorerDatabase(db)
      const start = () =>
        createIndexer({
          db,
          publicClient: chain.publicClient,
          contracts: createEventHandlers(chain.deployment.contracts),
          startBlock: chain.deployment.startBlock,
          confirmations: 0,
          batchBlocks: 1000,
          pollMs: 50,
          log: quiet,
        })
      let indexer = start()
      await indexer.syncOnce()
      await indexer.stop()
      let listed = await readModels(db, await block())
      let info = listed.find((m) => m.modelId === modelId)?.shares
      assert.ok(info)
      assert.equal(info.shares, tiny.shares.toLowerCase())
      assert.equal(info.offering?.state, 'open')
      assert.equal(info.offering?.raised, parseEther('2000').toString())
      assert.equal(info.offering?.sold, parseEther('200000').toString())
      assert.deepEqual(info.holders, [
        { address: author.address.toLowerCase(), balance: parseEther('600000').toString() },
        { address: tiny.offering.toLowerCase(), balance: parseEther('400000').toString() },
      ])

      // The sale ends (and the royalty's 25 h delay passes); finalize, deliveries, a transfer, royalties.
      const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
      await test.increaseTime({ seconds: 26 * 3600 })
      await test.mine({ blocks: 1 })
      for (const offering of [tiny.offering, flop.offering])
        await chain.send(author, { address: offering, abi: shareOfferingAbi, functionName: 'finalize' })
      for (const buyer of [alice, bob])
        await chain.send(author, {
          address: tiny.offering,
          abi: shareOfferingAbi,
          functionName: 'claimShares',
          args: [buyer.address],
        })
      await chain.send(author, {
        address: flop.offering,
        abi: shareOfferingAbi,
        functionName: 'refund',
        args: [bob.address],
      })
      await chain.send(alice, {
        address: tiny.shares,
        abi: modelSharesAbi,
        functionName: 'transfer',
        args: [bob.address, parseEther('60000')],
      })
      await chain.fund(payer.address, parseEther('1000'))
      await chain.deposit(payer, parseEther('1000'), [
        { provider: provider.address, amount: parseEther('1000') },
      ])
      const voucher = {
        payer: payer.address,
        provider: provider.address,
        modelId,
        cumulativeAmount: parseEther('100'),
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
      await chain.send(alice, { address: tiny.shares, abi: modelSharesAbi, functionName: 'claim' })

      // A new indexer on the same database (a restart) follows the tokens it found before.
      indexer = start()
      await indexer.syncOnce()
      await indexer.stop()
      listed = await readModels(db, await block())
      info = listed.find((m) => m.modelId === modelId)?.shares
      assert.ok(info)
      assert.equal(info.offering?.state, 'succeeded')
      assert.equal(info.offering?.delivered, parseEther('200000').toString())
      assert.equal(info.pulled, parseEther('10').toString(), '10% of the 100 MESH redeemed')
      assert.equal(info.claimed, parseEther('0.9').toString(), 'alice held 90,000 of 1,000,000 shares')
      assert.equal(info.holderCount, 3)
      for (const holder of info.holders)
        assert.equal(
          holder.balance,
          (
            await chain.publicClient.readContract({
              address: tiny.shares,
              abi: modelSharesAbi,
              functionName: 'balanceOf',
              args: [holder.address as Address],
            })
          ).toString(),
          holder.address,
        )
      assert.deepEqual(
        info.holders.map((h) => h.balance),
        [parseEther('800000'), parseEther('110000'), parseEther('90000')].map(String),
        'largest first, by amount (not as text)',
      )
      const flopInfo = listed.find((m) => m.modelId === flopId)?.shares
      assert.equal(flopInfo?.offering?.state, 'failed')
      assert.equal(flopInfo?.offering?.refunded, parseEther('10').toString())
      assert.deepEqual(flopInfo?.holders, [
        { address: author.address.toLowerCase(), balance: parseEther('1000000').toString() },
      ])
    } finally {
      await db.close()
    }
  })
})
