import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  hashRequest,
  providerConfigSchema,
  receiptEvent,
  receiptHeader,
  voucherHeader,
} from '@infermesh/protocol'
import pino from 'pino'
import { zeroHash } from 'viem'
import { type RunningProvider, startProvider } from '../startProvider.js'
import { createPayerWallet, type Fixture, startFixture } from '../testing/providerFixture.js'
import { embeddingsMaxTokens } from './embeddingsMaxTokens.js'

// The admission every inference request goes through (voucher and credit → queue slot → run →
// release), tried the way hostile or impatient clients try it: bodies that cannot be billed, clients
// that leave while queued, requests that outlive the provider's deadline. Real anvil, contracts,
// llama.cpp and HTTP; the slow upstream is a plain HTTP server standing in for vLLM or Ollama.

const hello = [{ role: 'user', content: 'Hello there' }]

/** `[[[…0…]]]` with `depth` brackets. */
const nested = (depth: number): unknown => {
  let value: unknown = 0
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

describe('admission of inference requests', () => {
  let fx: Fixture

  before(async () => {
    // One sequence, so a second request waits in the queue.
    fx = await startFixture({ sequences: 1, maxQueue: 4 })
  })
  after(async () => {
    await fx?.close()
  })

  const url = (path: string) => `${fx.provider.url}${path}`

  async function post(
    path: string,
    body: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ) {
    return fetch(url(path), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [voucherHeader]: await fx.wallet.header(fx.modelId),
        ...headers,
      },
      body,
      ...(signal && { signal }),
    })
  }

  /** The channel's `{ owed, voucher }`, by handing in the wallet's current voucher. */
  async function channel() {
    const response = await post('/infermesh/v1/vouchers', '{}')
    const body = (await response.json()) as { owed: string; voucher: string }
    assert.equal(response.status, 200, JSON.stringify(body))
    return { owed: BigInt(body.owed), voucher: BigInt(body.voucher) }
  }

  /** One sample of the provider's Prometheus text, e.g. `infermesh_provider_queue_depth`. */
  async function metric(sample: string): Promise<number> {
    const text = await (await fetch(url('/metrics'))).text()
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
    return Number(line?.slice(sample.length + 1) ?? 0)
  }
  const tokensOut = () => metric('infermesh_provider_tokens_out_total{model="tiny"}')

  it('refuses a streamed chat with a deeply nested unused field with 400, generating and billing nothing', async () => {
    const before = { channel: await channel(), tokensOut: await tokensOut() }
    // 65 levels: the object plus 64 arrays, one more than the provider's JSON parser allows.
    const body = JSON.stringify({
      model: 'tiny',
      messages: hello,
      max_tokens: 8,
      stream: true,
      x: nested(64),
    })
    const response = await post('/v1/chat/completions', body)
    assert.equal(response.status, 400)
    assert.deepEqual(await response.json(), {
      error: {
        message: 'The request body nests deeper than 64 levels.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request',
      },
    })
    assert.deepEqual(await channel(), before.channel, 'nothing billed')
    assert.equal(await tokensOut(), before.tokensOut, 'nothing generated')
  })

  it('serves and bills a chat whose unused field nests exactly to the limit, hashing the whole body', async () => {
    const before = await channel()
    // 64 levels: the body, response_format, 62 arrays. An unknown top-level field is refused (400
    // "Unrecognized request argument"), so the deep value sits in the one object that accepts extra keys.
    const request = {
      model: 'tiny',
      messages: hello,
      max_tokens: 8,
      temperature: 0,
      response_format: { type: 'text', x: nested(62) },
    }
    const response = await post('/v1/chat/completions', JSON.stringify(request))
    assert.equal(response.status, 200, await response.clone().text())
    const { receipt } = fx.wallet.learn(response.headers.get(receiptHeader) ?? '')
    assert.equal(receipt.requestHash, hashRequest('chat', request))
    assert.ok(receipt.outputTokens > 0n)
    assert.equal(receipt.cumulativeAmount, before.owed + receipt.cost)
    assert.equal((await channel()).owed, receipt.cumulativeAmount, 'billed')
  })

  it('refuses a streamed chat carrying a number JSON cannot hold (1e400) with 400, generating and billing nothing', async () => {
    const before = { channel: await channel(), tokensOut: await tokensOut() }
    const body = `{"model":"tiny","messages":${JSON.stringify(hello)},"max_tokens":8,"stream":true,"response_format":{"type":"text","x":1e400}}`
    const response = await post('/v1/chat/completions', body)
    assert.equal(response.status, 400)
    assert.deepEqual(await response.json(), {
      error: {
        message:
          'The request body cannot be hashed for its receipt: Infinity at $.response_format.x is not a JSON number. Send only finite numbers, strings, booleans, null, arrays and objects.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request',
      },
    })
    assert.deepEqual(await channel(), before.channel, 'nothing billed')
    assert.equal(await tokensOut(), before.tokensOut, 'nothing generated')
  })

  it('refuses a body it cannot hash before it looks at the voucher: 400, not 402', async () => {
    // Where each kind can carry a number JSON cannot hold: chat in response_format's extra keys (the
    // hash refuses it), completion and embeddings only in a typed field (the schema refuses it first).
    const cases: { path: string; field: string; bad: string; message?: string }[] = [
      {
        path: '/v1/chat/completions',
        field: `"messages":${JSON.stringify(hello)}`,
        bad: '"response_format":{"type":"text","x":-1e400}',
        message:
          'The request body cannot be hashed for its receipt: -Infinity at $.response_format.x is not a JSON number. Send only finite numbers, strings, booleans, null, arrays and objects.',
      },
      { path: '/v1/completions', field: '"prompt":"Hi"', bad: '"temperature":-1e400' },
      { path: '/v1/embeddings', field: '"input":"Hi"', bad: '"dimensions":-1e400' },
    ]
    for (const { path, field, bad, message } of cases) {
      // Without a voucher a hashable body is refused for payment…
      const unpaid = await post(path, `{"model":"tiny",${field}}`, { [voucherHeader]: '' })
      assert.equal(unpaid.status, 402, path)
      assert.equal(((await unpaid.json()) as { error: { code: string } }).error.code, 'voucher_missing')
      // …and one it cannot hash is refused for that first, whatever the voucher.
      const response = await post(path, `{"model":"tiny",${field},${bad}}`, { [voucherHeader]: '' })
      assert.equal(response.status, 400, path)
      const { error } = (await response.json()) as { error: { code: string; message: string } }
      assert.equal(error.code, 'invalid_request', path)
      if (message) assert.equal(error.message, message)
    }
  })

  it('reserves at least what an embeddings request of 1-byte inputs is billed (BOS and EOS included)', async () => {
    const input = Array.from({ length: 64 }, () => 'a')
    const response = await post('/v1/embeddings', JSON.stringify({ model: 'tiny', input }))
    assert.equal(response.status, 200, await response.clone().text())
    const { receipt } = fx.wallet.learn(response.headers.get(receiptHeader) ?? '')
    assert.ok(
      receipt.inputTokens > BigInt(input.length),
      `${receipt.inputTokens} tokens: more than the bytes`,
    )
    assert.ok(
      receipt.inputTokens <= BigInt(embeddingsMaxTokens(input)),
      `${receipt.inputTokens} billed, ${embeddingsMaxTokens(input)} reserved`,
    )
  })

  it('never generates for a client that leaves while queued, and frees its queue place', async () => {
    const before = await channel()
    // The only sequence is busy with a long stream ...
    const running = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 200, temperature: 0, stream: true }),
    )
    assert.equal(running.status, 200)
    const text = running.text()
    // ... a second request waits for it, and its client gives up.
    const leaving = new AbortController()
    const queued = post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 8, temperature: 0 }),
      {},
      leaving.signal,
    ).catch((error: Error) => error)
    for (let i = 0; i < 200 && (await metric('infermesh_provider_queue_depth')) < 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(await metric('infermesh_provider_queue_depth'), 1, 'the second request is queued')
    leaving.abort()
    assert.equal(((await queued) as Error).name, 'AbortError')

    const events = (await text).split('\n\n')
    const receiptText = events.find((event) => event.startsWith(`event: ${receiptEvent}\n`)) ?? ''
    const { receipt } = fx.wallet.learn(
      (JSON.parse(receiptText.split('\ndata: ')[1] ?? '{}') as { receipt: string }).receipt,
    )
    // Only the stream was billed; the request that left was never run.
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await channel()).owed, before.owed + receipt.cost)
    assert.equal(receipt.cumulativeAmount, before.owed + receipt.cost)
    assert.equal(await metric('infermesh_provider_queue_depth'), 0)
    assert.equal(await metric('infermesh_provider_in_flight'), 0)
    assert.equal(
      await metric('infermesh_provider_requests_total{route="/v1/chat/completions",model="",status="499"}'),
      1,
    )
  })

  describe('with a deadline (server.requestTimeoutMs) and a slow upstream', () => {
    const timeoutMs = 1500
    let upstream: SlowUpstream
    let slow: RunningProvider
    let wallet: ReturnType<typeof createPayerWallet>

    before(async () => {
      upstream = await startSlowUpstream(150)
      const config = providerConfigSchema.parse({
        ...fx.config,
        server: { ...fx.config.server, requestTimeoutMs: timeoutMs },
        backend: {
          kind: 'openai-compatible',
          baseUrl: `${upstream.url}/v1`,
          models: [{ name: 'tiny', modelId: fx.modelId, contextLength: 256 }],
        },
        database: { dir: join(fx.dir, 'slow-db') },
      })
      slow = await startProvider({ config, account: fx.providerAccount, logger: pino({ level: 'silent' }) })
      // The slow provider keeps its own channel (its own database): a payer view of its own.
      wallet = createPayerWallet({
        payer: fx.payer,
        chainId: fx.deployment.chainId,
        payments: fx.deployment.contracts.payments,
        provider: fx.providerAccount.address,
      })
    })
    after(async () => {
      await slow?.close()
      await upstream?.close()
    })

    const chat = async (stream: boolean) =>
      fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [voucherHeader]: await wallet.header(fx.modelId) },
        body: JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 100, stream }),
      })
    const owed = async () => {
      const response = await fetch(`${slow.url}/infermesh/v1/vouchers`, {
        method: 'POST',
        headers: { [voucherHeader]: await wallet.header(fx.modelId) },
      })
      return BigInt(((await response.json()) as { owed: string }).owed)
    }
    const timeoutError = {
      error: {
        message: `The request took longer than this provider's limit of ${timeoutMs} ms and was stopped: lower max_tokens, send less input, or use another provider.`,
        type: 'server_error',
        param: null,
        code: 'request_timeout',
      },
    }

    it('stops a stream at the deadline, bills what was sent with a receipt, then says why in an error event', async () => {
      const started = performance.now()
      const response = await chat(true)
      assert.equal(response.status, 200)
      const events = (await response.text()).split('\n\n').filter(Boolean)
      const took = performance.now() - started
      assert.ok(took >= timeoutMs, `ended after ${took} ms`)
      const pieces = events.filter((event) => /"content":"tok "/.test(event)).length
      assert.ok(pieces > 2 && pieces < 100, `${pieces} pieces before the deadline`)
      assert.notEqual(events.at(-1), 'data: [DONE]')
      assert.deepEqual(JSON.parse(events.at(-1)?.replace(/^data: /, '') ?? '{}'), timeoutError)
      const receiptText = events.at(-2) ?? ''
      assert.ok(receiptText.startsWith(`event: ${receiptEvent}\n`), receiptText)
      const { receipt } = wallet.learn(
        (JSON.parse(receiptText.split('\ndata: ')[1] ?? '{}') as { receipt: string }).receipt,
      )
      // The upstream sent no usage before it was cut: billed by the pieces streamed.
      assert.equal(receipt.outputTokens, BigInt(pieces))
      // An upstream server does not report token ids: the receipt says "unknown".
      assert.equal(receipt.tokensHash, zeroHash)
      assert.equal(await owed(), receipt.cumulativeAmount)
      // The provider hung up on the upstream, which stopped generating.
      await upstream.settled()
      assert.equal(upstream.finished, 0, 'the upstream never finished a generation')
    })

    it('answers a non-streamed request that runs out of time with 504 request_timeout and bills nothing', async () => {
      const before = await owed()
      const response = await chat(false)
      assert.equal(response.status, 504)
      assert.deepEqual(await response.json(), timeoutError)
      assert.equal(response.headers.get(receiptHeader), null)
      assert.equal(await owed(), before)
      await upstream.settled()
      assert.equal(upstream.finished, 0)
    })
  })
})

type SlowUpstream = {
  url: string
  /** Generations that ran to their end. */
  finished: number
  /** Resolves once no generation is running. */
  settled: () => Promise<void>
  close: () => Promise<void>
}

/**
 * An OpenAI-compatible server that streams the piece `tok ` every `intervalMs` until `max_tokens`,
 * then usage and `[DONE]`, and stops as soon as its client hangs up.
 */
async function startSlowUpstream(intervalMs: number): Promise<SlowUpstream> {
  let running = 0
  const state = { finished: 0 }
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    let text = ''
    for await (const chunk of request) text += chunk
    const body = JSON.parse(text) as { max_tokens?: number }
    const maxTokens = body.max_tokens ?? 16
    running++
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    let gone = false
    response.on('close', () => {
      gone = !response.writableFinished
    })
    try {
      for (let i = 0; i < maxTokens && !gone; i++) {
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
        if (!gone)
          response.write(
            `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'tok ' } }] })}\n\n`,
          )
      }
      if (gone) return
      const usage = { prompt_tokens: 5, completion_tokens: maxTokens }
      response.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] })}\n\n`,
      )
      response.write(`data: ${JSON.stringify({ choices: [], usage })}\n\n`)
      response.end('data: [DONE]\n\n')
      state.finished++
    } finally {
      running--
    }
  }
  const server: Server = createServer((request, response) => void serve(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    get finished() {
      return state.finished
    },
    settled: async () => {
      for (let i = 0; i < 100 && running > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
