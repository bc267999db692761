/**
 * Audit §2/§3 against real parts (anvil, the provider daemon with llama.cpp, PGlite): vouchers from keys
 * that allocated nothing are never stored, and fifty of them cannot starve an honest channel's
 * redemption; every wei is accounted for.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  connect,
  type DevChain,
  encodeSignedVoucher,
  meshTokenAbi,
  paymentsAbi,
  signVoucher,
  startDevChain,
  voucherHeader,
} from '@infermesh/protocol'
import { createWalletClient, type Hex, http, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createChannelStore } from '../store/channelStore.js'
import { devAccount, type Fixture, startFixture } from '../testing/providerFixture.js'
import { createSettler } from './createSettler.js'

const quiet = { info: () => {}, warn: () => {} }

async function handIn(fx: Fixture, header: string) {
  const response = await fetch(`${fx.provider.url}/infermesh/v1/vouchers`, {
    method: 'POST',
    headers: { [voucherHeader]: header },
  })
  const body = (await response.json()) as { error?: { code?: string } }
  return { status: response.status, code: body.error?.code }
}

describe('throwaway payers at a real provider', () => {
  let fx: Fixture
  before(async () => {
    fx = await startFixture()
  })
  after(async () => {
    await fx?.close()
  })

  it('stores no voucher from keys with no allocation (or with v 0/1), and redeems the honest channel first, to the wei', async () => {
    const { payments, token } = fx.deployment.contracts
    const chainId = fx.deployment.chainId
    const read = fx.read
    const honestOwed = parseEther('0.07')
    assert.deepEqual(await handIn(fx, await fx.wallet.header(fx.modelId, honestOwed)), {
      status: 200,
      code: undefined,
    })

    // 50 fresh keys, each signing a voucher for 10^30 wei with a normal v, and one more with v = 0/1.
    const statuses: Record<string, number> = {}
    for (let i = 0; i < 50; i++) {
      const attacker = privateKeyToAccount(generatePrivateKey())
      const voucher = {
        payer: attacker.address,
        provider: fx.providerAccount.address,
        modelId: fx.modelId,
        cumulativeAmount: 10n ** 30n,
      }
      const signature = await signVoucher({ account: attacker, chainId, payments, voucher })
      const { status, code } = await handIn(fx, encodeSignedVoucher({ voucher, signature }))
      statuses[`${status} ${code}`] = (statuses[`${status} ${code}`] ?? 0) + 1
    }
    assert.deepEqual(statuses, { '402 deposit_insufficient': 50 })
    // The honest payer's own voucher with v − 27: the contract refuses it, so the provider does too.
    const lowV = await (async () => {
      const voucher = {
        payer: fx.payer.address,
        provider: fx.providerAccount.address,
        modelId: fx.modelId,
        cumulativeAmount: parseEther('1'),
      }
      const signature = await signVoucher({ account: fx.payer, chainId, payments, voucher })
      const v = Number.parseInt(signature.slice(130), 16)
      return encodeSignedVoucher({ voucher, signature: `${signature.slice(0, 130)}0${v - 27}` as Hex })
    })()
    assert.deepEqual(await handIn(fx, lowV), { status: 402, code: 'voucher_invalid_signature' })
    // A voucher above the honest payer's allocation (100 MESH) is refused and not stored either.
    assert.equal(
      (await handIn(fx, await fx.wallet.header(fx.modelId, parseEther('101')))).code,
      'deposit_insufficient',
    )

    const balanceOf = (address: Hex) =>
      read.readContract({ address: token, abi: meshTokenAbi, functionName: 'balanceOf', args: [address] })
    const supply = () => read.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalSupply' })
    const providerBefore = await balanceOf(fx.providerAccount.address)
    const paymentsBefore = await balanceOf(payments)
    const supplyBefore = await supply()
    const result = await fx.provider.settler.settleNow(0n)
    // One channel, one transaction, the whole honest voucher: nothing of the attackers' got near a batch.
    assert.equal(result.channels, 1)
    assert.equal(result.transactions, 1)
    assert.equal(result.amount, honestOwed)
    assert.equal(result.skipped, 0)

    const burned = (honestOwed * 500n + 9_999n) / 10_000n
    const royalty = (honestOwed * 1000n) / 10_000n
    const providerGot = (await balanceOf(fx.providerAccount.address)) - providerBefore
    assert.equal(providerGot, honestOwed - burned - royalty)
    assert.equal(result.flushed, burned)
    assert.equal(supplyBefore - (await supply()), burned)
    assert.equal(
      await read.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'royaltiesOwed',
        args: [fx.royaltyReceiver],
      }),
      royalty,
    )
    // Payments held 100 MESH; it paid the provider and burned, and still holds the royalty and the rest.
    assert.equal(paymentsBefore - (await balanceOf(payments)), providerGot + burned)
    const [allocation] = await read.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'allocationOf',
      args: [fx.payer.address, fx.providerAccount.address],
    })
    assert.equal(allocation, parseEther('100') - honestOwed)
    assert.equal(providerGot + burned + royalty + allocation, parseEther('100'))

    // The database holds the honest payer's channel only.
    await fx.provider.close()
    const db = await openDatabase({ dataDir: join(fx.dir, 'db') })
    try {
      const store = await createChannelStore(db)
      assert.deepEqual(await store.payers(), [fx.payer.address])
      const channel = await store.get(fx.payer.address, fx.modelId.toLowerCase() as Hex)
      assert.equal(channel.voucher, honestOwed)
      assert.equal(channel.redeemed, honestOwed)
    } finally {
      await db.close()
    }
    fx.provider = await fx.restartProvider()
  })
})

describe('the settler against unpayable vouchers already in its store (real anvil, PGlite)', () => {
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
    const store = await createChannelStore(db)
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
      await store.saveVoucher(
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
      await store.saveVoucher(
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
    await store.saveVoucher(
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
      store,
      publicClient,
      walletClient,
      payments,
      batchSize: 2,
      intervalMs: 3_600_000,
      minAmount: 0n,
      log: quiet,
    })
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
    // The refused voucher is gone from the store (the payer owes it, but must sign again); the honest
    // payer's shortfall stays redeemable once it allocates more.
    const dropped = await store.get(cheater.address, modelId)
    assert.equal(dropped.signature, null)
    assert.equal(dropped.voucher, 0n)
    assert.equal(dropped.owed, parseEther('0.5'))
    assert.equal((await store.get(honest[0]?.address as Hex, modelId)).redeemed, parseEther('1'))
    assert.equal((await store.get(honest[1]?.address as Hex, modelId)).redeemed, parseEther('0.4'))
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
