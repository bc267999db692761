/**
 * Audit §2/§3 against real parts (anvil, PGlite): fifty vouchers from keys that allocated nothing, already
 * in the ledger, cannot starve an honest channel's redemption, and a voucher the chain refuses is dropped;
 * every wei is accounted for. (The gate that keeps such vouchers out is tested at a real provider,
 * packages/provider/src/throwawayPayers.test.ts.)
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  anvilMnemonic,
  connect,
  type DevChain,
  meshTokenAbi,
  paymentsAbi,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import { createWalletClient, type Hex, http, parseEther } from 'viem'
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { createSqlChannelLedger } from '../recipient/createSqlChannelLedger.js'
import { createSettler } from './createSettler.js'

const quiet = { info: () => {}, warn: () => {} }
const devAccount = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })

describe('the settler against unpayable vouchers already in its ledger (real anvil, PGlite)', () => {
  let chain: DevChain
  before(async () => {
    chain = await startDevChain()
  })
  after(async () => {
    await chain?.stop()
  })

  it('orders by what the chain can pay, leaves out the 50 empty channels, drops a voucher the chain refuses, and pays the honest ones to the wei', async () => {
    const { payments, token } = chain.deployment.contracts
    const chainId = chain.deployment.chainId
    const provider = devAccount(2)
    const honest = [devAccount(1), devAccount(3)]
    const cheater = devAccount(4)
    const modelId: Hex = `0x${'ee'.repeat(32)}`
    for (const payer of [...honest, cheater]) {
      await chain.fund(payer.address, parseEther('10'))
      await chain.deposit(payer, parseEther('10'), [{ provider: provider.address, amount: parseEther('1') }])
    }
    const db = await openDatabase()
    const ledger = await createSqlChannelLedger(db)
    // 50 vouchers from keys that allocated nothing, each for more than anyone: the old gate stored such
    // vouchers before its checks. They would sort first by amount.
    for (let i = 0; i < 50; i++) {
      const attacker = privateKeyToAccount(generatePrivateKey())
      const voucher = {
        payer: attacker.address,
        provider: provider.address,
        modelId,
        cumulativeAmount: 10n ** 30n,
      }
      await ledger.saveVoucher(
        attacker.address,
        modelId,
        voucher.cumulativeAmount,
        await signVoucher({ account: attacker, chainId, payments, voucher }),
      )
    }
    // Honest payers: one owes more than its allocation (pays 1 MESH, the rest is its shortfall), one less.
    const owed = [parseEther('3'), parseEther('0.4')]
    for (const [index, payer] of honest.entries()) {
      const voucher = {
        payer: payer.address,
        provider: provider.address,
        modelId,
        cumulativeAmount: owed[index] as bigint,
      }
      await ledger.saveVoucher(
        payer.address,
        modelId,
        voucher.cumulativeAmount,
        await signVoucher({ account: payer, chainId, payments, voucher }),
      )
    }
    // A payer with an allocation whose stored voucher the chain refuses (v − 27).
    const bad = {
      payer: cheater.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: parseEther('0.5'),
    }
    const good = await signVoucher({ account: cheater, chainId, payments, voucher: bad })
    await ledger.saveVoucher(
      cheater.address,
      modelId,
      bad.cumulativeAmount,
      `${good.slice(0, 130)}0${Number.parseInt(good.slice(130), 16) - 27}` as Hex,
    )

    const { chain: viemChain, publicClient } = await connect({ rpcUrl: chain.anvil.rpcUrl })
    const walletClient = createWalletClient({
      account: provider,
      chain: viemChain,
      transport: http(chain.anvil.rpcUrl),
    })
    const settler = createSettler({
      ledger,
      publicClient,
      walletClient,
      payments,
      batchSize: 2,
      intervalMs: 3_600_000,
      minAmount: 0n,
      log: quiet,
      // What the ledger held as redeemed when the settler said an allocation was spent: the provider's
      // cached allocation must be forgotten before the ledger records a redemption, never after.
      onAllocationSpent: (payer) => spent.push([payer, ledger.get(payer, modelId).then((c) => c.redeemed)]),
    })
    const spent: [Hex, Promise<bigint>][] = []
    const balanceOf = (address: Hex) =>
      publicClient.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [address],
      })
    const before = await balanceOf(provider.address)
    const result = await settler.settleNow()
    // Three payable channels (1 MESH, 0.5 claimed, 0.4) in batches of 2: two transactions, nothing for the 50.
    assert.equal(result.channels, 3)
    assert.equal(result.transactions, 2)
    assert.equal(result.skipped, 1)
    const paid = parseEther('1') + parseEther('0.4')
    assert.equal(result.amount, paid)
    const burned = (parseEther('1') * 500n + 9_999n) / 10_000n + (parseEther('0.4') * 500n + 9_999n) / 10_000n
    // The model is not registered: no royalty.
    assert.equal((await balanceOf(provider.address)) - before, paid - burned)
    assert.equal(result.flushed, burned)
    // Called once per channel sent (three, the refused one included), each before its redemption was
    // recorded: the ledger still said 0 redeemed.
    const snapshots = await Promise.all(
      spent.map(async ([payer, redeemed]) => [payer, await redeemed] as const),
    )
    assert.equal(snapshots.length, 3)
    for (const payer of [honest[0]?.address, honest[1]?.address])
      assert.deepEqual(
        snapshots.find(([spender]) => spender === payer),
        [payer, 0n],
      )
    // The refused voucher is gone from the store (the payer owes it, but must sign again); the honest
    // payer's shortfall stays redeemable once it allocates more.
    const dropped = await ledger.get(cheater.address, modelId)
    assert.equal(dropped.signature, null)
    assert.equal(dropped.voucher, 0n)
    assert.equal(dropped.owed, parseEther('0.5'))
    assert.equal((await ledger.get(honest[0]?.address as Hex, modelId)).redeemed, parseEther('1'))
    assert.equal((await ledger.get(honest[1]?.address as Hex, modelId)).redeemed, parseEther('0.4'))
    // Nothing payable is left: no transaction at all, although 51 channels still hold vouchers.
    const again = await settler.settleNow()
    assert.deepEqual({ ...again }, { channels: 0, amount: 0n, transactions: 0, skipped: 0, flushed: 0n })
    // The first payer tops up its allocation: the rest of its voucher pays.
    await chain.allocate(honest[0] as never, [{ provider: provider.address, amount: parseEther('5') }])
    const rest = await settler.settleNow()
    assert.equal(rest.amount, parseEther('2'))
    assert.equal(rest.transactions, 1)
    // Every wei: each honest payer's 10 MESH = its deposit left + its allocation left + what it paid.
    for (const [index, payer] of honest.entries()) {
      const free = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [payer.address],
      })
      const [allocation] = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payer.address, provider.address],
      })
      const paidOnChain = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'paid',
        args: [payer.address, provider.address, modelId],
      })
      assert.equal(paidOnChain, owed[index])
      assert.equal(free + allocation + paidOnChain, parseEther('10'))
    }
    await db.close()
  })
})
