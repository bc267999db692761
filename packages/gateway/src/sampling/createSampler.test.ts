import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import { createSqlPayerLedger } from '@infermesh/payments'
import {
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  hashTokenIds,
  type Receipt,
  recoverSampleSigner,
  type SampleBody,
  signReceipt,
  VERIFICATION_MODEL_ID,
  voucherHeader,
} from '@infermesh/protocol'
import { privateKeyToAccount } from 'viem/accounts'
import { createSampleFees } from './createSampleFees.js'
import { createSampler } from './createSampler.js'

const payer = privateKeyToAccount(`0x${'11'.repeat(32)}`)
const provider = privateKeyToAccount(`0x${'22'.repeat(32)}`)
const validator = `0x${'33'.repeat(20)}` as const
const chainId = 31337
const payments = `0x${'44'.repeat(20)}` as const
const disputes = `0x${'55'.repeat(20)}` as const
const quiet = { info: () => {}, warn: () => {} }
const modelId = `0x${'ab'.repeat(32)}` as const
const models = [modelId]

describe('createSampler', () => {
  const received: SampleBody[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      received.push(JSON.parse(body))
      response
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'infermesh.sample', id: `s${received.length}`, status: 'queued' }))
    })
  })
  let endpoint: string
  const requestBody = { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }
  let completed: Parameters<ReturnType<typeof createSampler>['consider']>[0]

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const receipt: Receipt = {
      requestHash: hashRequest('chat', requestBody),
      responseHash: hashResponse('hello'),
      tokensHash: hashTokenIds([107, 104]),
      modelId,
      payer: payer.address,
      provider: provider.address,
      inputTokens: 5n,
      outputTokens: 2n,
      servedAt: BigInt(Math.floor(Date.now() / 1000)),
      cost: 10n,
      cumulativeAmount: 10n,
    }
    const signature = await signReceipt({ account: provider, chainId, payments, receipt })
    completed = {
      kind: 'chat',
      provider: provider.address,
      receipt,
      signedReceipt: encodeSignedReceipt({ receipt, signature }),
      requestBody,
      responseText: 'hello',
    }
  })
  after(() => server.close())

  const sampler = (probability: number, draws: number[]) =>
    createSampler({
      account: payer,
      chainId,
      payments,
      disputes,
      probability,
      validators: () => [{ address: validator, endpoint, stake: 1n, models }],
      allowPrivate: true,
      log: quiet,
      random: () => draws.shift() ?? 0.99,
    })

  it('samples a request when the draw falls under p, and sends it signed by the payer', async () => {
    received.length = 0
    const s = sampler(0.1, [0.05, 0])
    assert.equal(s.consider(completed), true)
    await s.drain()
    assert.equal(received.length, 1)
    const sample = received[0] as SampleBody
    assert.equal(sample.receipt, completed.signedReceipt)
    assert.equal(sample.kind, 'chat')
    assert.deepEqual(sample.request, requestBody)
    assert.equal(sample.response, 'hello')
    assert.equal(sample.validator, validator)
    const signer = recoverSampleSigner({
      chainId,
      disputes,
      receiptDigest: hashReceipt(chainId, payments, completed.receipt),
      validator,
      issuedAt: sample.issuedAt,
      signature: sample.signature,
    })
    assert.equal(signer, payer.address)
    assert.deepEqual(s.counts(), { sampled: 1, delivered: 1 })
  })

  it("sends a sample only to a validator that declared the receipt's model, and none when nobody did", async () => {
    received.length = 0
    const unreachable = {
      address: `0x${'88'.repeat(20)}` as const,
      endpoint: 'http://127.0.0.1:1',
      stake: 1n,
    }
    const pick = (
      validators: { address: `0x${string}`; endpoint: string; stake: bigint; models: `0x${string}`[] }[],
    ) =>
      createSampler({
        account: payer,
        chainId,
        payments,
        disputes,
        probability: 1,
        validators: () => validators,
        allowPrivate: true,
        log: quiet,
        random: () => 0,
      })
    // The first in the list (drawn by random() = 0) holds another model only: never chosen.
    const s = pick([
      { ...unreachable, models: [`0x${'cd'.repeat(32)}`] },
      { address: validator, endpoint, stake: 1n, models: [`0x${'AB'.repeat(32)}` as `0x${string}`] },
    ])
    assert.equal(s.consider(completed), true)
    await s.drain()
    assert.deepEqual(s.counts(), { sampled: 1, delivered: 1 })
    assert.equal(received[0]?.validator, validator)
    const none = pick([{ ...unreachable, models: [] }])
    assert.equal(none.consider(completed), false)
    assert.deepEqual(none.counts(), { sampled: 0, delivered: 0 })
  })

  it('leaves a request alone when the draw is at or above p, and never samples at p = 0', async () => {
    received.length = 0
    assert.equal(sampler(0.1, [0.1]).consider(completed), false)
    assert.equal(sampler(0, [0]).consider(completed), false)
    assert.equal(received.length, 0)
  })

  it('samples about p of many requests, drawing each independently', async () => {
    received.length = 0
    const s = createSampler({
      account: payer,
      chainId,
      payments,
      disputes,
      probability: 0.05,
      validators: () => [{ address: validator, endpoint, stake: 1n, models }],
      allowPrivate: true,
      log: quiet,
    })
    for (let i = 0; i < 2000; i++) s.consider(completed)
    await s.drain()
    // Binomial(2000, 0.05): mean 100, standard deviation 9.7; this band is ±4.5 deviations.
    const { sampled, delivered } = s.counts()
    assert.ok(sampled >= 56 && sampled <= 144, `sampled ${sampled} of 2000`)
    assert.equal(delivered, sampled)
    assert.equal(received.length, sampled)
  })

  it('does not fail the request when the validator is unreachable', async () => {
    const warnings: object[] = []
    const s = createSampler({
      account: payer,
      chainId,
      payments,
      disputes,
      probability: 1,
      validators: () => [{ address: validator, endpoint: 'http://127.0.0.1:1', stake: 1n, models }],
      allowPrivate: true,
      log: { info: () => {}, warn: (o) => warnings.push(o) },
    })
    assert.equal(s.consider(completed), true)
    await s.drain()
    assert.deepEqual(s.counts(), { sampled: 1, delivered: 0 })
    assert.match(JSON.stringify(warnings[0]), /could not hand a sample to a validator/)
  })
  it('hands the sample to another validator when the first one is busy (429), signed anew for that one', async () => {
    const busyHits: string[] = []
    const busyBodies: SampleBody[] = []
    const busy = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => busyBodies.push(JSON.parse(body)))
      busyHits.push(request.url ?? '')
      response
        .writeHead(429, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'queue full', code: 'queue_full' } }))
    })
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    try {
      received.length = 0
      const busyValidator = {
        address: `0x${'66'.repeat(20)}` as const,
        endpoint: `http://127.0.0.1:${(busy.address() as AddressInfo).port}`,
        stake: 1n,
        models,
      }
      // Draws: sample (0), pick the busy validator (0 of 2), then the only other one (0 of 1).
      const s = createSampler({
        account: payer,
        chainId,
        payments,
        disputes,
        probability: 1,
        validators: () => [busyValidator, { address: validator, endpoint, stake: 1n, models }],
        allowPrivate: true,
        log: quiet,
        random: () => 0,
      })
      assert.equal(s.consider(completed), true)
      await s.drain()
      assert.deepEqual(busyHits, ['/infermesh/v1/samples'])
      assert.equal(received.length, 1)
      // Each validator got a sample naming itself, signed by the payer for it alone.
      const receiptDigest = hashReceipt(chainId, payments, completed.receipt)
      for (const [sample, to] of [
        [busyBodies[0] as SampleBody, busyValidator.address],
        [received[0] as SampleBody, validator],
      ] as const) {
        assert.equal(sample.validator, to)
        assert.equal(recoverSampleSigner({ chainId, disputes, receiptDigest, ...sample }), payer.address)
      }
      assert.notEqual(busyBodies[0]?.signature, received[0]?.signature)
      assert.deepEqual(s.counts(), { sampled: 1, delivered: 1 })
    } finally {
      busy.close()
    }
  })

  it('does not retry a sample a validator refused for what it is (400), and logs why', async () => {
    const refusing = createServer((request, response) => {
      request.resume()
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'receipt not valid', code: 'invalid_sample' } }))
    })
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    try {
      received.length = 0
      const warnings: object[] = []
      const s = createSampler({
        account: payer,
        chainId,
        payments,
        disputes,
        probability: 1,
        validators: () => [
          {
            address: validator,
            endpoint: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
            stake: 1n,
            models,
          },
          { address: `0x${'77'.repeat(20)}`, endpoint, stake: 1n, models },
        ],
        allowPrivate: true,
        log: { info: () => {}, warn: (o) => warnings.push(o) },
        random: () => 0,
      })
      s.consider(completed)
      await s.drain()
      assert.equal(received.length, 0)
      assert.deepEqual(s.counts(), { sampled: 1, delivered: 0 })
      assert.match(JSON.stringify(warnings[0]), /answered 400 invalid_sample/)
    } finally {
      refusing.close()
    }
  })

  it('draws the validator by stake capped at stakeCap, not uniformly', async () => {
    received.length = 0
    const rich = {
      address: `0x${'99'.repeat(20)}` as const,
      endpoint: 'http://127.0.0.1:1',
      stake: 900n,
      models,
    }
    const s = (draw: number, stakeCap?: bigint) =>
      createSampler({
        account: payer,
        chainId,
        payments,
        disputes,
        probability: 1,
        validators: () => [rich, { address: validator, endpoint, stake: 100n, models }],
        allowPrivate: true,
        log: quiet,
        maxAttempts: 1,
        random: () => draw,
        ...(stakeCap !== undefined && { stakeCap }),
      })
    // Weights 900 and 100: a draw of 0.85 lands on the rich (unreachable) one, 0.95 on ours.
    const a = s(0.85)
    a.consider(completed)
    await a.drain()
    assert.deepEqual(a.counts(), { sampled: 1, delivered: 0 })
    const b = s(0.95)
    b.consider(completed)
    await b.drain()
    assert.deepEqual(b.counts(), { sampled: 1, delivered: 1 })
    // Capped at 100 each, 0.85 lands on ours.
    const c = s(0.85, 100n)
    c.consider(completed)
    await c.drain()
    assert.deepEqual(c.counts(), { sampled: 1, delivered: 1 })
  })

  it('pays each sample with a voucher to its validator, and moves on when a validator finds the fee short', async () => {
    const db = await openDatabase()
    const vouchers: (string | undefined)[] = []
    const short = createServer((request, response) => {
      request.resume()
      vouchers.push(request.headers[voucherHeader] as string | undefined)
      response
        .writeHead(402, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'fee short', code: 'sample_fee_required' } }))
    })
    const paidServer = createServer((request, response) => {
      request.resume()
      vouchers.push(request.headers[voucherHeader] as string | undefined)
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'p' }))
    })
    await new Promise<void>((resolve) => short.listen(0, '127.0.0.1', resolve))
    await new Promise<void>((resolve) => paidServer.listen(0, '127.0.0.1', resolve))
    try {
      const ledger = await createSqlPayerLedger(db)
      const fee = 10n ** 16n
      const shortValidator = `0x${'66'.repeat(20)}` as const
      const s = createSampler({
        account: payer,
        chainId,
        payments,
        disputes,
        probability: 1,
        validators: () => [
          {
            address: shortValidator,
            endpoint: `http://127.0.0.1:${(short.address() as AddressInfo).port}`,
            stake: 1n,
            models,
          },
          {
            address: validator,
            endpoint: `http://127.0.0.1:${(paidServer.address() as AddressInfo).port}`,
            stake: 1n,
            models,
          },
        ],
        allowPrivate: true,
        log: quiet,
        random: () => 0,
        fees: createSampleFees({ account: payer, chainId, payments, ledger, fee }),
      })
      s.consider(completed)
      await s.drain()
      assert.deepEqual(s.counts(), { sampled: 1, delivered: 1 })
      const [toShort, toPaid] = vouchers.map((v) => decodeSignedVoucher(v as string).voucher)
      assert.deepEqual(toShort, {
        payer: payer.address,
        provider: shortValidator,
        modelId: VERIFICATION_MODEL_ID,
        cumulativeAmount: fee,
      })
      assert.deepEqual(toPaid, {
        payer: payer.address,
        provider: validator,
        modelId: VERIFICATION_MODEL_ID,
        cumulativeAmount: fee,
      })
      // Owed: the accepted one, and the refused one (signed, so recorded) kept as a credit for next time.
      assert.equal(await ledger.billed(validator, VERIFICATION_MODEL_ID), fee)
      assert.equal(await ledger.billed(shortValidator, VERIFICATION_MODEL_ID), fee)
    } finally {
      short.close()
      paidServer.close()
      await db.close()
    }
  })

  it('refuses a validator endpoint on a private address unless the devnet flag allows it', async () => {
    received.length = 0
    const warnings: object[] = []
    const s = createSampler({
      account: payer,
      chainId,
      payments,
      disputes,
      probability: 1,
      validators: () => [{ address: validator, endpoint, stake: 1n, models }],
      log: { info: () => {}, warn: (o) => warnings.push(o) },
      random: () => 0,
    })
    s.consider(completed)
    await s.drain()
    assert.equal(received.length, 0)
    assert.match(JSON.stringify(warnings[0]), /private, loopback or link-local/)
  })
})
