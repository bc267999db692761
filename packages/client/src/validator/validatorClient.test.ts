import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type SampleBody, voucherHeader } from '@infermesh/protocol'
import type { PeerError } from '../http/PeerError.js'
import { validatorClient } from './validatorClient.js'

const provider = `0x${'ab'.repeat(20)}`
const sample: SampleBody = {
  receipt: 'receipt',
  kind: 'chat',
  request: { model: 'tiny', messages: [] },
  response: 'hello',
  validator: `0x${'cd'.repeat(20)}`,
  issuedAt: 1,
  signature: `0x${'11'.repeat(65)}`,
}

/** A validator whose answer to each path is set by the test. */
function startValidator() {
  const answers = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>()
  const hits: string[] = []
  const headers: IncomingMessage['headers'][] = []
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`)
    headers.push(request.headers)
    request.resume()
    const answer = answers.get(request.url ?? '')
    if (answer) answer(request, response)
    else response.writeHead(404).end()
  })
  return { server, answers, hits, headers }
}
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }

describe('validatorClient', () => {
  const validator = startValidator()
  let endpoint: string
  const client = validatorClient({ allowPrivate: true })

  before(async () => {
    await new Promise<void>((resolve) => validator.server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(validator.server.address() as AddressInfo).port}`
  })
  after(() => validator.server.close())

  it('submits a sample and reads the id the validator queued it under', async () => {
    validator.answers.set(
      '/infermesh/v1/samples',
      json(202, { object: 'infermesh.sample', id: 's-1', status: 'queued' }),
    )
    assert.deepEqual(await client.submitSample({ endpoint, sample, deadlineMs: 2_000 }), {
      kind: 'queued',
      id: 's-1',
    })
    validator.answers.set('/infermesh/v1/samples', json(202, { id: 7 }))
    assert.deepEqual(await client.submitSample({ endpoint, sample, deadlineMs: 2_000 }), {
      kind: 'queued',
      id: undefined,
    })
  })

  it('sends the fee’s voucher in the voucher header, and no such header for an unpaid sample', async () => {
    validator.answers.set('/infermesh/v1/samples', json(202, { id: 's-2' }))
    validator.headers.length = 0
    await client.submitSample({ endpoint, sample, voucher: 'encoded-voucher', deadlineMs: 2_000 })
    await client.submitSample({ endpoint, sample, deadlineMs: 2_000 })
    assert.equal(validator.headers[0]?.[voucherHeader], 'encoded-voucher')
    assert.equal(voucherHeader in (validator.headers[1] ?? {}), false)
    validator.answers.set(
      '/infermesh/v1/samples',
      json(402, { error: { message: 'The sample fee is short.', code: 'sample_fee_required' } }),
    )
    assert.deepEqual(await client.submitSample({ endpoint, sample, voucher: 'v', deadlineMs: 2_000 }), {
      kind: 'refusal',
      status: 402,
      code: 'sample_fee_required',
      detail: 'The sample fee is short.',
      retryable: false,
    })
  })

  it('returns a busy validator’s 429 as a retryable refusal, and a 400 as a final one', async () => {
    validator.answers.set(
      '/infermesh/v1/samples',
      json(429, {
        error: { message: 'The sample queue is full (64); try another validator.', code: 'queue_full' },
      }),
    )
    assert.deepEqual(await client.submitSample({ endpoint, sample, deadlineMs: 2_000 }), {
      kind: 'refusal',
      status: 429,
      code: 'queue_full',
      detail: 'The sample queue is full (64); try another validator.',
      retryable: true,
    })
    validator.answers.set(
      '/infermesh/v1/samples',
      json(400, { error: { message: 'bad', code: 'Bad Code!' } }),
    )
    const refusal = await client.submitSample({ endpoint, sample, deadlineMs: 2_000 })
    assert.equal(refusal.kind, 'refusal')
    assert.equal(refusal.kind === 'refusal' && refusal.retryable, false)
    assert.equal(refusal.kind === 'refusal' && refusal.code, undefined)
  })

  it('never follows a validator’s redirect', async () => {
    validator.hits.length = 0
    validator.answers.set('/infermesh/v1/samples', json(307, {}, { location: `${endpoint}/elsewhere` }))
    await assert.rejects(client.submitSample({ endpoint, sample, deadlineMs: 2_000 }), (error: PeerError) => {
      assert.equal(error.code, 'peer_redirect')
      return true
    })
    assert.deepEqual(validator.hits, ['POST /infermesh/v1/samples'])
  })

  it('refuses a validator on a loopback address unless private addresses are allowed', async () => {
    await assert.rejects(
      validatorClient().reputation({ endpoint, deadlineMs: 2_000 }),
      /private, loopback or link-local address/,
    )
  })

  it('keeps the valid entries of a reputation list and drops the rest', async () => {
    const good = { provider, samples: 4, passed: 3, drifted: 1, breached: 0, reputation: 0.875 }
    validator.answers.set(
      '/infermesh/v1/reputation',
      json(200, {
        object: 'list',
        data: [
          good,
          { ...good, provider: 123 },
          { ...good, reputation: 2 },
          { ...good, samples: -1 },
          { ...good, reputation: 'high' },
          null,
        ],
      }),
    )
    const { entries, dropped } = await client.reputation({ endpoint, deadlineMs: 2_000 })
    assert.deepEqual(entries, [{ ...good, provider: '0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB' }])
    assert.equal(dropped, 5)
  })

  it('refuses a reputation answer that is not a list, or too large', async () => {
    validator.answers.set('/infermesh/v1/reputation', json(200, { data: 'everyone is great' }))
    await assert.rejects(
      client.reputation({ endpoint, deadlineMs: 2_000 }),
      /answered something other than a list/,
    )
    validator.answers.set('/infermesh/v1/reputation', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(`{"data":["${'x'.repeat(5 * 1024 * 1024)}"]}`)
    })
    await assert.rejects(client.reputation({ endpoint, deadlineMs: 5_000 }), (error: PeerError) => {
      assert.equal(error.code, 'peer_too_large')
      return true
    })
    validator.answers.set('/infermesh/v1/reputation', json(503, { error: { message: 'starting' } }))
    await assert.rejects(client.reputation({ endpoint, deadlineMs: 2_000 }), /answered 503/)
  })

  it('reads the latest reports with the limit asked for, dropping malformed ones', async () => {
    const report = {
      at: '2026-11-29T12:00:00.000Z',
      provider,
      modelId: `0x${'cd'.repeat(32)}`,
      receiptDigest: `0x${'ef'.repeat(32)}`,
      source: 'gateway',
      verdict: 'pass',
      checkedTokens: 12,
      reasons: [],
      elapsedMs: 40,
    }
    validator.answers.set(
      '/infermesh/v1/reports?limit=2',
      json(200, { data: [report, { ...report, verdict: 'maybe' }, { ...report, at: 'yesterday' }] }),
    )
    const { entries, dropped } = await client.reports({ endpoint, deadlineMs: 2_000, limit: 2 })
    assert.equal(entries.length, 1)
    assert.equal(entries[0]?.verdict, 'pass')
    assert.equal(dropped, 2)
    await assert.rejects(
      client.reports({ endpoint, deadlineMs: 2_000, limit: 501 }),
      /limit must be a whole number from 1 to 500/,
    )
  })
})
