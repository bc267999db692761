/**
 * Audit §2/§3 at a real provider daemon (anvil, llama.cpp, PGlite): vouchers from keys that allocated
 * nothing, or signed with v 0/1, or above the allocation, are refused and never stored, and the honest
 * channel is redeemed alone, to the wei. (The settler's side with such vouchers already stored is
 * tested in @infermesh/payments, settler/throwawayPayers.test.ts.)
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import { createSqlChannelLedger } from '@infermesh/payments'
import {
  encodeSignedVoucher,
  meshTokenAbi,
  paymentsAbi,
  signVoucher,
  voucherHeader,
} from '@infermesh/protocol'
import { type Hex, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { type Fixture, startFixture } from './testing/providerFixture.js'

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
    // 20% of the flushed burn pays committee votes (VerificationFees); the rest leaves the supply.
    assert.equal(supplyBefore - (await supply()), burned - (burned * 2000n) / 10_000n)
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
      const store = await createSqlChannelLedger(db)
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
