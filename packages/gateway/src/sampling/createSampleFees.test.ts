import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { createSqlPayerLedger, type PayerLedger } from '@infermesh/payments'
import { decodeSignedVoucher, VERIFICATION_MODEL_ID, verifyVoucher } from '@infermesh/protocol'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSampleFees, type SampleDelivery } from './createSampleFees.js'

const payer = privateKeyToAccount(`0x${'11'.repeat(32)}`)
const chainId = 31337
const payments = `0x${'44'.repeat(20)}` as const
const fee = 10n ** 16n
const validatorA: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const validatorB: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

/** A validator's answer: what it did with the voucher, and what voucher it was sent. */
const answer = (delivery: SampleDelivery, code?: string) => {
  const sent: bigint[] = []
  const send = async (encoded: string) => {
    sent.push(decodeSignedVoucher(encoded).voucher.cumulativeAmount)
    return { delivery, code }
  }
  return { send, sent }
}

describe('createSampleFees', () => {
  let db: Database
  let ledger: PayerLedger
  before(async () => {
    db = await openDatabase()
    ledger = await createSqlPayerLedger(db)
  })
  after(() => db?.close())

  it('records each fee as owed before signing it, and signs exactly what the ledger says', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    let encoded = ''
    const outcome = await fees.attempt(validatorA, async (voucher) => {
      encoded = voucher
      // The fee is in the ledger before the validator sees the voucher.
      assert.equal(await ledger.billed(validatorA, VERIFICATION_MODEL_ID), fee)
      return { delivery: 'accepted' as const }
    })
    assert.equal(outcome.kind, 'sent')
    const { voucher, signature } = decodeSignedVoucher(encoded)
    assert.deepEqual(voucher, {
      payer: payer.address,
      provider: validatorA,
      modelId: VERIFICATION_MODEL_ID,
      cumulativeAmount: fee,
    })
    assert.equal(await verifyVoucher({ chainId, payments, voucher, signature }), true)
    const next = answer('accepted')
    await fees.attempt(validatorA, next.send)
    assert.deepEqual(next.sent, [2n * fee])
    assert.equal(await ledger.billed(validatorA, VERIFICATION_MODEL_ID), 2n * fee)
  })

  it('keeps a refused voucher as a credit the next sample carries again: a refusal costs nothing', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    const before = await ledger.billed(validatorB, VERIFICATION_MODEL_ID)
    const busy = answer('refused', 'queue_full')
    await fees.attempt(validatorB, busy.send)
    assert.equal(fees.creditOf(validatorB), before + fee)
    const taken = answer('accepted')
    await fees.attempt(validatorB, taken.send)
    // The same cumulative again: one fee for one accepted sample.
    assert.deepEqual([...busy.sent, ...taken.sent], [before + fee, before + fee])
    assert.equal(await ledger.billed(validatorB, VERIFICATION_MODEL_ID), before + fee)
    assert.equal(fees.creditOf(validatorB), undefined)
  })

  it('counts a voucher a validator answered 5xx to as paid: it may hold it, and the ledger says so', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    const before = await ledger.billed(validatorB, VERIFICATION_MODEL_ID)
    const failing = answer('unknown', undefined)
    await fees.attempt(validatorB, failing.send)
    assert.equal(fees.creditOf(validatorB), undefined)
    assert.equal(await ledger.billed(validatorB, VERIFICATION_MODEL_ID), before + fee)
    const next = answer('accepted')
    await fees.attempt(validatorB, next.send)
    assert.deepEqual([...failing.sent, ...next.sent], [before + fee, before + 2n * fee])
  })

  it('counts a throw from the send as paid too (a timeout may come after the validator took it)', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    const before = await ledger.billed(validatorB, VERIFICATION_MODEL_ID)
    await assert.rejects(
      fees.attempt(validatorB, async () => {
        throw new Error('socket hang up')
      }),
      /socket hang up/,
    )
    assert.equal(fees.creditOf(validatorB), undefined)
    assert.equal(await ledger.billed(validatorB, VERIFICATION_MODEL_ID), before + fee)
  })

  it('drops a credit the validator refuses as short (it holds it already) and pays one fee above it', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    const before = await ledger.billed(validatorB, VERIFICATION_MODEL_ID)
    const first = answer('refused', 'sample_fee_required')
    await fees.attempt(validatorB, first.send)
    assert.equal(fees.creditOf(validatorB), before + fee, 'a fresh voucher refused stays a credit')
    const again = answer('refused', 'sample_fee_required')
    await fees.attempt(validatorB, again.send)
    assert.equal(fees.creditOf(validatorB), undefined, 'the credit refused as short is dropped')
    const next = answer('accepted')
    await fees.attempt(validatorB, next.send)
    assert.deepEqual(
      [...first.sent, ...again.sent, ...next.sent],
      [before + fee, before + fee, before + 2n * fee],
    )
  })

  it('runs concurrent samples to one validator one at a time: never two with the same new cumulative', async () => {
    const fees = createSampleFees({ account: payer, chainId, payments, ledger, fee })
    const before = await ledger.billed(validatorA, VERIFICATION_MODEL_ID)
    const sent: bigint[] = []
    await Promise.all(
      Array.from({ length: 8 }, () =>
        fees.attempt(validatorA, async (encoded) => {
          sent.push(decodeSignedVoucher(encoded).voucher.cumulativeAmount)
          await new Promise((resolve) => setTimeout(resolve, 5))
          return { delivery: 'accepted' as const }
        }),
      ),
    )
    assert.deepEqual(
      sent,
      Array.from({ length: 8 }, (_, i) => before + BigInt(i + 1) * fee),
    )
  })
})
