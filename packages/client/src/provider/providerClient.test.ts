import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { receiptHeader, ServerSentEventsError, voucherHeader } from '@infermesh/protocol'
import { PeerError } from '../http/PeerError.js'
import { providerClient } from './providerClient.js'

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => handler(request, response, body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const json = (
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(value))
}

describe('providerClient against real HTTP servers', () => {
  let internal: { server: Server; url: string }
  let internalHits = 0
  let provider: { server: Server; url: string }
  const seen: { path: string; voucher: string | undefined; body: string }[] = []
  const client = providerClient({ allowPrivate: true, maxAnswerBytes: 64 * 1024, maxEventBytes: 1024 })
  const call = { voucher: 'v1', deadlineMs: 5_000 }

  before(async () => {
    internal = await listen((_request, response) => {
      internalHits++
      json(response, 200, { secret: 'INTERNAL-ONLY' })
    })
    provider = await listen((request, response, body) => {
      seen.push({ path: request.url ?? '', voucher: request.headers[voucherHeader] as string, body })
      const model = (JSON.parse(body || '{}') as { model?: string }).model
      if (request.url === '/v1/models') {
        return json(response, 200, {
          object: 'list',
          data: [
            {
              id: 'tiny',
              infermesh: { modelId: `0x${'AB'.repeat(32)}`, contextLength: 256, embeddings: true },
            },
          ],
        })
      }
      if (request.url === '/infermesh/v1/vouchers') return json(response, 200, { owed: '0' })
      switch (model) {
        case 'redirect':
          response.writeHead(307, { location: `${internal.url}/admin` })
          return response.end()
        case 'secret':
          return json(response, 500, {
            error: {
              message: 'db password hunter2 leaked',
              code: 'Not A Code!',
              param: 'model',
              infermesh: { owed: '12' },
            },
          })
        case 'stale':
          return json(response, 402, {
            error: { message: 'behind', code: 'voucher_stale', infermesh: { owed: '1234' } },
          })
        case 'huge':
          return json(response, 200, { choices: [{ message: { content: 'x'.repeat(100_000) } }] })
        case 'shape':
          return json(response, 200, { choices: 'none' })
        case 'stream': {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.write('data: {"choices":[{"delta":{"content":"a"}}]}\r\n\r\n')
          response.write('event: infermesh.receipt\ndata: {"receipt":"r"}\n\n')
          return response.end('data: [DONE]\n\n')
        }
        case 'stall': {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.write('data: {"choices":[]}\n\n')
          return // and never another byte
        }
        case 'trickle': {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          const timer = setInterval(() => response.write(': still here\n\n'), 50)
          response.on('close', () => clearInterval(timer))
          return
        }
        case 'endless-event': {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          return response.end(`data: ${'y'.repeat(4096)}`)
        }
        default:
          return json(
            response,
            200,
            { choices: [{ message: { content: 'hi' } }], usage: { completion_tokens: 1 } },
            { [receiptHeader]: 'signed' },
          )
      }
    })
  })
  after(() => {
    internal.server.close()
    provider.server.close()
  })

  it('sends the body and voucher and returns the checked answer with its receipt', async () => {
    const answer = await client.chat({
      ...call,
      endpoint: `${provider.url}/`,
      body: { model: 'tiny', messages: [] },
    })
    assert.equal(answer.kind, 'json')
    assert.ok(answer.kind === 'json')
    assert.equal(answer.body.choices[0]?.message?.content, 'hi')
    assert.equal(answer.receipt, 'signed')
    const last = seen.at(-1)
    assert.equal(last?.path, '/v1/chat/completions')
    assert.equal(last?.voucher, 'v1')
    assert.deepEqual(JSON.parse(last?.body ?? ''), { model: 'tiny', messages: [] })
  })

  it('never follows a redirect: a 307 to an internal server is a peer_redirect and the server sees nothing', async () => {
    await assert.rejects(
      client.chat({ ...call, endpoint: provider.url, body: { model: 'redirect' } }),
      (error: PeerError) => error instanceof PeerError && error.code === 'peer_redirect',
    )
    assert.equal(internalHits, 0)
  })

  it('refuses a loopback endpoint unless private addresses are allowed', async () => {
    await assert.rejects(
      providerClient().completion({ ...call, endpoint: provider.url, body: { model: 'tiny', prompt: 'x' } }),
      (error: PeerError) => error instanceof PeerError && error.code === 'peer_refused_address',
    )
  })

  it('keeps only the safe fields of a refusal: no code that is not [a-z_], the message for logs only', async () => {
    const answer = await client.chat({ ...call, endpoint: provider.url, body: { model: 'secret' } })
    assert.deepEqual(answer, {
      kind: 'refusal',
      status: 500,
      code: undefined,
      param: 'model',
      owed: 12n,
      detail: 'db password hunter2 leaked',
    })
    const stale = await client.chat({ ...call, endpoint: provider.url, body: { model: 'stale' } })
    assert.equal(stale.kind === 'refusal' && stale.code, 'voucher_stale')
    assert.equal(stale.kind === 'refusal' && stale.owed, 1234n)
  })

  it('refuses an answer larger than maxAnswerBytes and one of the wrong shape', async () => {
    await assert.rejects(
      client.chat({ ...call, endpoint: provider.url, body: { model: 'huge' } }),
      (error: PeerError) => error instanceof PeerError && error.code === 'peer_too_large',
    )
    await assert.rejects(
      client.chat({ ...call, endpoint: provider.url, body: { model: 'shape' } }),
      (error: PeerError) =>
        error instanceof PeerError && error.code === 'peer_bad_response' && /`choices`/.test(error.message),
    )
  })

  it('returns a stream of events (CRLF accepted) and cuts an event past maxEventBytes', async () => {
    const answer = await client.chat({
      ...call,
      endpoint: provider.url,
      body: { model: 'stream', stream: true },
    })
    assert.equal(answer.kind, 'stream')
    const events: (string | undefined)[] = []
    if (answer.kind === 'stream')
      for await (const event of answer.events) events.push(event.event ?? event.data)
    assert.deepEqual(events, ['{"choices":[{"delta":{"content":"a"}}]}', 'infermesh.receipt', '[DONE]'])

    const endless = await client.chat({
      ...call,
      endpoint: provider.url,
      body: { model: 'endless-event', stream: true },
    })
    assert.equal(endless.kind, 'stream')
    await assert.rejects(
      (async () => {
        if (endless.kind === 'stream') for await (const _ of endless.events);
      })(),
      (error: ServerSentEventsError) =>
        error instanceof ServerSentEventsError && error.code === 'event_too_large',
    )
  })

  it('bounds a stream in time: an idle limit once it has started, and the overall deadline', async () => {
    const drain = async (model: string, limits: { deadlineMs: number; idleTimeoutMs?: number }) => {
      const answer = await client.chat({
        voucher: 'v1',
        ...limits,
        endpoint: provider.url,
        body: { model, stream: true },
      })
      assert.equal(answer.kind, 'stream')
      const started = performance.now()
      let events = 0
      const error = await (async () => {
        if (answer.kind === 'stream') for await (const _ of answer.events) events++
      })().then(
        () => undefined,
        (failure: unknown) => failure,
      )
      return { error, events, ms: performance.now() - started }
    }
    const stalled = await drain('stall', { deadlineMs: 10_000, idleTimeoutMs: 300 })
    assert.ok(
      stalled.error instanceof PeerError && stalled.error.code === 'peer_timeout',
      String(stalled.error),
    )
    assert.match((stalled.error as PeerError).message, /went quiet for 300 ms/)
    assert.equal(stalled.events, 1)
    assert.ok(stalled.ms < 5_000)
    const trickling = await drain('trickle', { deadlineMs: 800, idleTimeoutMs: 300 })
    assert.ok(
      trickling.error instanceof PeerError && trickling.error.code === 'peer_timeout',
      String(trickling.error),
    )
    assert.match((trickling.error as PeerError).message, /did not finish answering within 800 ms/)
    assert.ok(trickling.events > 3, `${trickling.events} keep-alive comments before the deadline`)
  })

  it('lists models with ids in lower case and refuses a list with a field of the wrong type', async () => {
    assert.deepEqual(await client.models({ endpoint: provider.url, deadlineMs: 5_000 }), [
      { id: 'tiny', modelId: `0x${'ab'.repeat(32)}`, contextLength: 256, embeddings: true },
    ])
    const bad = await listen((_request, response) =>
      json(response, 200, { data: [{ id: 'tiny', infermesh: { modelId: 42 } }] }),
    )
    await assert.rejects(
      client.models({ endpoint: bad.url, deadlineMs: 5_000 }),
      (error: PeerError) =>
        error.code === 'peer_bad_response' && /data\.0\.infermesh\.modelId/.test(error.message),
    )
    bad.server.close()
  })

  it('hands in a voucher', async () => {
    assert.deepEqual(
      await client.handInVoucher({ endpoint: provider.url, voucher: 'v9', deadlineMs: 5_000 }),
      {
        kind: 'accepted',
        status: 200,
      },
    )
    assert.equal(seen.at(-1)?.voucher, 'v9')
  })
})
