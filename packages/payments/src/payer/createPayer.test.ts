import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import {
  anvilMnemonic,
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashRequest,
  hashResponse,
  hashTokenIds,
  type Receipt,
  signReceipt,
  verifyVoucher,
} from '@infermesh/protocol'
import type { Address, Hex, LocalAccount } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { requestBounds, worstCaseCost } from '../cost/worstCase.js'
import { PaymentError } from '../PaymentError.js'
import { createPayer, type Payer, type PayerOffer } from './createPayer.js'
import { createSqlPayerLedger } from './createSqlPayerLedger.js'
import type { PayerLedger } from './PayerLedger.js'

const account = (index: number): LocalAccount => mnemonicToAccount(anvilMnemonic, { addressIndex: index })
const chainId = 31337
const payments: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const modelId: Hex = `0x${'ab'.repeat(32)}`
const payerAccount = account(1)
const providerAccount = account(2)
const offer: PayerOffer = {
  provider: providerAccount.address,
  modelId,
  pricePerMInput: 1_000_000_000n,
  pricePerMOutput: 2_000_000_000n,
}
const request = { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }
const answer = 'hello'

/** A receipt as an honest provider signs it for `request`, with `changes` applied before signing. */
async function receiptFor(
  cumulativeBefore: bigint,
  changes: Partial<Receipt> = {},
  signer = providerAccount,
) {
  const cost = computeCost({ inputTokens: 10n, outputTokens: 4n, ...offer })
  const receipt: Receipt = {
    requestHash: hashRequest('chat', request),
    responseHash: hashResponse(answer),
    tokensHash: hashTokenIds([107, 104, 111, 111]),
    modelId,
    payer: payerAccount.address,
    provider: providerAccount.address,
    inputTokens: 10n,
    outputTokens: 4n,
    servedAt: BigInt(Math.floor(Date.now() / 1000)),
    cost,
    cumulativeAmount: cumulativeBefore + cost,
    ...changes,
  }
  // Another key can only sign a receipt naming itself: it signs one, and that signature is sent with this one.
  const signature = await signReceipt({
    account: signer,
    chainId,
    payments,
    receipt: { ...receipt, provider: signer.address },
  })
  return { receipt, encoded: encodeSignedReceipt({ receipt, signature }) }
}

const bounds = requestBounds('chat', request, { contextTokens: 256 })
const expected = {
  offer,
  requestHash: hashRequest('chat', request),
  responseHash: hashResponse(answer),
  bounds,
  usage: { inputTokens: 10n, outputTokens: 4n },
}

describe('createPayer', () => {
  let db: Database
  let ledger: PayerLedger
  let payer: Payer
  before(async () => {
    db = await openDatabase()
    ledger = await createSqlPayerLedger(db)
    payer = createPayer({ account: payerAccount, chainId, payments, ledger })
  })
  after(() => db?.close())

  it('signs a voucher for 0 on a new channel, with the payer key, in the Payments domain', async () => {
    const { voucher, signature } = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId))
    assert.deepEqual(voucher, {
      payer: payerAccount.address,
      provider: offer.provider,
      modelId,
      cumulativeAmount: 0n,
    })
    assert.equal(await verifyVoucher({ chainId, payments, voucher, signature }), true)
  })

  it('adds an honest receipt’s cost and signs the next voucher for the new total', async () => {
    const { receipt, encoded } = await receiptFor(0n)
    const accepted = await payer.acceptReceipt(encoded, expected)
    assert.deepEqual(accepted, receipt)
    assert.equal(await ledger.billed(offer.provider, modelId), receipt.cost)
    const { voucher } = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId))
    assert.equal(voucher.cumulativeAmount, receipt.cost)
  })

  it('refuses every receipt that breaks the protocol, and bills none of them', async () => {
    const billed = await ledger.billed(offer.provider, modelId)
    const stranger = account(9)
    const refused = async (encoded: string | null, why: string, expectation = expected) =>
      assert.rejects(payer.acceptReceipt(encoded, expectation), (error: PaymentError) => {
        assert.ok(error instanceof PaymentError)
        assert.equal(error.message, `Provider ${offer.provider} sent an unacceptable receipt: ${why}.`)
        assert.equal(error.status, 502)
        assert.equal(error.code, 'bad_receipt')
        assert.equal(error.retryable, true)
        return true
      })
    await refused(null, 'none was sent')
    await assert.rejects(payer.acceptReceipt('not a receipt', expected), { code: 'bad_receipt' })
    const forged = await receiptFor(billed, {}, stranger)
    await refused(forged.encoded, 'the signature is not the provider’s')
    // A receipt from another provider than the one the request went to.
    await assert.rejects(
      payer.acceptReceipt((await receiptFor(billed)).encoded, {
        ...expected,
        offer: { ...offer, provider: stranger.address },
      }),
      {
        message: `Provider ${stranger.address} sent an unacceptable receipt: it names provider ${offer.provider}.`,
      },
    )
    await refused(
      (await receiptFor(billed, { payer: stranger.address })).encoded,
      `it bills payer ${stranger.address}`,
    )
    const otherModel: Hex = `0x${'cd'.repeat(32)}`
    await refused(
      (await receiptFor(billed, { modelId: otherModel })).encoded,
      `it is for model ${otherModel}`,
    )
    await refused(
      (await receiptFor(billed, { requestHash: hashRequest('chat', { ...request, max_tokens: 5 }) })).encoded,
      'its request hash is not the request sent',
    )
    // The same body served as another kind of request (framing): not the request sent.
    await refused(
      (await receiptFor(billed, { requestHash: hashRequest('completion', request) })).encoded,
      'its request hash is not the request sent',
    )
    await refused(
      (await receiptFor(billed, { responseHash: hashResponse('other') })).encoded,
      'its response hash is not the answer received',
    )
    const fair = computeCost({ inputTokens: 10n, outputTokens: 4n, ...offer })
    await refused(
      (await receiptFor(billed, { cost: fair + 1n })).encoded,
      `it costs ${fair + 1n}, more than the offer's ${fair}`,
    )
    await refused(
      (await receiptFor(billed, { cumulativeAmount: fair - 1n })).encoded,
      'its cumulative is below its cost',
    )
    // Audit §1: "ok" with a correctly signed receipt for 10^9 output tokens at a consistent cost.
    const huge = computeCost({ inputTokens: 10n, outputTokens: 10n ** 9n, ...offer })
    await refused(
      (await receiptFor(billed, { outputTokens: 10n ** 9n, cost: huge, cumulativeAmount: billed + huge }))
        .encoded,
      'it bills 1000000000 output tokens, more than the 4 the request allowed',
    )
    const manyInputs = computeCost({ inputTokens: bounds.maxInputTokens + 1n, outputTokens: 4n, ...offer })
    await refused(
      (
        await receiptFor(billed, {
          inputTokens: bounds.maxInputTokens + 1n,
          cost: manyInputs,
          cumulativeAmount: billed + manyInputs,
        })
      ).encoded,
      `it bills ${bounds.maxInputTokens + 1n} input tokens, more than the prompt can tokenize to (${bounds.maxInputTokens})`,
    )
    await refused(
      (await receiptFor(billed)).encoded,
      "its counts (10 in, 4 out) differ from the answer's usage (10 in, 3 out)",
      { ...expected, usage: { inputTokens: 10n, outputTokens: 3n } },
    )
    assert.equal(await ledger.billed(offer.provider, modelId), billed)
  })

  it('refuses a receipt served more than 300 s from its clock, either side, and accepts one within', async () => {
    const billed = await ledger.billed(offer.provider, modelId)
    // 301 s in the past is refused whatever time passes while signing; in the future, 310 s leaves it 10 s.
    for (const offset of [-301n, 310n, -86_400n]) {
      const before = BigInt(Math.floor(Date.now() / 1000))
      const servedAt = before + offset
      const { encoded } = await receiptFor(billed, { servedAt })
      await assert.rejects(payer.acceptReceipt(encoded, expected), (error: PaymentError) => {
        assert.ok(error instanceof PaymentError)
        assert.equal(error.code, 'bad_receipt')
        const said = error.message.match(
          /^Provider (0x[0-9a-fA-F]{40}) sent an unacceptable receipt: it says it was served at (\d+), (\d+) s from this payer's clock \((\d+)\); at most 300 s is accepted\.$/,
        )
        assert.ok(said, error.message)
        const [, provider, served, skew, now] = said
        assert.equal(provider, offer.provider)
        assert.equal(BigInt(served as string), servedAt)
        assert.ok(BigInt(now as string) >= before)
        const distance = BigInt(now as string) - servedAt
        assert.equal(BigInt(skew as string), distance < 0n ? -distance : distance)
        return true
      })
    }
    assert.equal(await ledger.billed(offer.provider, modelId), billed)
    for (const offset of [-250n, 250n]) {
      const current = await ledger.billed(offer.provider, modelId)
      const servedAt = BigInt(Math.floor(Date.now() / 1000)) + offset
      const { receipt, encoded } = await receiptFor(current, { servedAt })
      assert.deepEqual(await payer.acceptReceipt(encoded, expected), receipt)
      assert.equal(await ledger.billed(offer.provider, modelId), current + receipt.cost)
    }
  })

  it('continues after a restart from the ledger: a new payer never signs a lower cumulative', async () => {
    const billed = await ledger.billed(offer.provider, modelId)
    const restarted = createPayer({ account: payerAccount, chainId, payments, ledger })
    const { voucher } = decodeSignedVoucher(await restarted.voucherHeader(offer.provider, modelId))
    assert.equal(voucher.cumulativeAmount, billed)
    // Another process on the same ledger bills more; a fresh read picks it up.
    await restarted.acceptReceipt((await receiptFor(billed)).encoded, expected)
    const stale = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId)).voucher
    assert.equal(stale.cumulativeAmount, billed, 'cached until asked to re-read')
    const fresh = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId, true)).voucher
    assert.ok(fresh.cumulativeAmount > billed)
  })

  it('bounds a request by cost(prompt bound, min(max_tokens, context)) at the offer', () => {
    // 32 bytes of messages JSON + 8 per message + 64.
    assert.equal(bounds.maxInputTokens, 104n)
    assert.equal(bounds.maxOutputTokens, 4n)
    const huge = requestBounds('chat', { ...request, max_tokens: 1e12 }, { contextTokens: 256 })
    assert.equal(huge.maxOutputTokens, 256n, 'max_tokens 1e12 is bounded by the context')
    assert.equal(
      requestBounds('chat', { ...request, max_tokens: undefined, n: 2 }, { contextTokens: 256 })
        .maxOutputTokens,
      512n,
    )
    assert.equal(
      requestBounds('embeddings', { input: ['ab', 'c'] }, { contextTokens: 256 }).maxOutputTokens,
      0n,
    )
    assert.equal(worstCaseCost(huge, offer), computeCost({ inputTokens: 104n, outputTokens: 256n, ...offer }))
  })

  it('caps a channel’s abort allowance', async () => {
    const capped = createPayer({ account: payerAccount, chainId, payments, ledger, abortAllowanceCap: 30n })
    const other = account(5).address
    await capped.addAbortAllowance(other, modelId, 20n)
    await capped.addAbortAllowance(other, modelId, 20n)
    assert.equal(await capped.resync(other, modelId, 31n), undefined, 'above the cap')
    assert.equal(await capped.resync(other, modelId, 30n), 30n)
  })

  it('catches up with a provider’s claim only as far as aborted requests allow', async () => {
    const billed = await ledger.billed(offer.provider, modelId)
    assert.equal(await payer.resync(offer.provider, modelId, billed + 50n), undefined)
    await payer.addAbortAllowance(offer.provider, modelId, 50n)
    assert.equal(await payer.resync(offer.provider, modelId, billed + 50n), billed + 50n)
    const { voucher } = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId))
    assert.equal(voucher.cumulativeAmount, billed + 50n)
  })
})
