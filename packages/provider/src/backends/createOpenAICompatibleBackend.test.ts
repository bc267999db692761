import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Backend, type ChatMessage, createLlamaBackend, writeTinyModel } from '@infermesh/llama'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ProviderError } from '../errors.js'
import { createOpenAICompatibleBackend } from './createOpenAICompatibleBackend.js'

/**
 * A real OpenAI-compatible upstream for the test: llama.cpp on the tiny model behind the three
 * routes vLLM, llama.cpp's server and Ollama share, streaming usage like they do.
 */
async function startUpstream(llama: Backend): Promise<FastifyInstance> {
  const app = Fastify()
  const generate = async (
    body: Record<string, unknown>,
    reply: import('fastify').FastifyReply,
    chat: boolean,
  ) => {
    const pieces: string[] = []
    const result = await llama.generate({
      model: String(body.model),
      ...(chat ? { messages: body.messages as ChatMessage[] } : { prompt: String(body.prompt) }),
      maxTokens: Number(body.max_tokens ?? 16),
      temperature: 0,
      onText: (text) => pieces.push(text),
    })
    const usage = { prompt_tokens: result.inputTokens, completion_tokens: result.outputTokens }
    if (!body.stream) {
      return chat
        ? {
            choices: [
              { index: 0, message: { role: 'assistant', content: result.text }, finish_reason: 'stop' },
            ],
            usage,
          }
        : { choices: [{ index: 0, text: result.text, finish_reason: 'stop' }], usage }
    }
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const piece of pieces) {
      const choice = chat ? { index: 0, delta: { content: piece } } : { index: 0, text: piece }
      reply.raw.write(`data: ${JSON.stringify({ choices: [choice] })}\n\n`)
    }
    const finish = result.finishReason === 'length' ? 'length' : 'stop'
    reply.raw.write(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, text: '', finish_reason: finish }] })}\n\n`,
    )
    reply.raw.write(`data: ${JSON.stringify({ choices: [], usage })}\n\n`)
    reply.raw.end('data: [DONE]\n\n')
  }
  app.post('/v1/chat/completions', (request, reply) =>
    generate(request.body as Record<string, unknown>, reply, true),
  )
  app.post('/v1/completions', (request, reply) =>
    generate(request.body as Record<string, unknown>, reply, false),
  )
  app.post('/v1/embeddings', async (request) => {
    const body = request.body as { model: string; input: string[] }
    const result = await llama.embed(body.model, body.input)
    return {
      data: result.embeddings.map((embedding, index) => ({ index, embedding })),
      usage: { prompt_tokens: result.inputTokens },
    }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

describe('the openai-compatible backend against a real upstream', () => {
  let dir: string
  let llama: Backend
  let upstream: FastifyInstance
  let backend: Backend

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-upstream-'))
    const path = join(dir, 'tiny.gguf')
    await writeTinyModel({ out: path, seed: 3 })
    llama = await createLlamaBackend({
      models: [{ name: 'tiny', path, embeddings: true }],
      threads: 1,
      sequences: 2,
    })
    upstream = await startUpstream(llama)
    const address = upstream.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    backend = createOpenAICompatibleBackend({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      models: [{ name: 'tiny', modelId: `0x${'cd'.repeat(32)}`, contextLength: 512, embeddings: true }],
    })
  })
  after(async () => {
    await upstream?.close()
    await llama?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('streams a chat through the upstream and passes its usage through exactly', async () => {
    const direct = await llama.generate({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      temperature: 0,
    })
    const pieces: string[] = []
    const result = await backend.generate({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      temperature: 0,
      onText: (text) => pieces.push(text),
    })
    assert.equal(result.text, direct.text)
    assert.equal(pieces.join(''), result.text)
    assert.equal(result.inputTokens, direct.inputTokens)
    assert.equal(result.outputTokens, direct.outputTokens)
  })

  it('forwards plain completions and embeddings', async () => {
    const completion = await backend.generate({ model: 'tiny', prompt: 'abc', maxTokens: 4, temperature: 0 })
    assert.ok(completion.outputTokens > 0 && completion.outputTokens <= 4)
    const embedded = await backend.embed('tiny', ['x', 'yz'])
    assert.equal(embedded.embeddings.length, 2)
    assert.equal(embedded.embeddings[0]?.length, 64)
    assert.ok(embedded.inputTokens > 0)
  })

  it('refuses a model it does not serve with model_not_found', async () => {
    await assert.rejects(
      backend.generate({ model: 'other', prompt: 'x', maxTokens: 1 }),
      (error: ProviderError) => {
        assert.equal(error.status, 404)
        assert.equal(error.code, 'model_not_found')
        return true
      },
    )
  })

  it('turns an upstream that does not answer into 502 upstream_unavailable', async () => {
    const down = createOpenAICompatibleBackend({
      baseUrl: 'http://127.0.0.1:1/v1',
      models: [{ name: 'tiny', modelId: `0x${'cd'.repeat(32)}`, contextLength: 512, embeddings: false }],
    })
    await assert.rejects(
      down.generate({ model: 'tiny', prompt: 'x', maxTokens: 1 }),
      (error: ProviderError) => {
        assert.equal(error.status, 502)
        assert.equal(error.code, 'upstream_unavailable')
        assert.match(error.message, /^The upstream at http:\/\/127\.0\.0\.1:1\/v1 did not answer: /)
        return true
      },
    )
  })
})

/** A raw HTTP upstream whose answer each test sets: a misbehaving or compromised server. */
async function startRawUpstream() {
  let handler: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) =>
    response.end()
  const server: Server = createServer((request, response) => {
    request.resume()
    request.on('end', () => handler(request, response))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    answer(next: typeof handler) {
      handler = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('the openai-compatible backend against an upstream that misbehaves', () => {
  let upstream: Awaited<ReturnType<typeof startRawUpstream>>
  let backend: Backend
  const modelId = `0x${'cd'.repeat(32)}` as const

  before(async () => {
    upstream = await startRawUpstream()
    backend = createOpenAICompatibleBackend({
      baseUrl: upstream.baseUrl,
      models: [{ name: 'tiny', modelId, contextLength: 512, embeddings: true }],
      maxEventBytes: 64 * 1024,
      maxStreamBytes: 1024 * 1024,
      maxEmbeddingBytesPerInput: 16 * 1024,
    })
  })
  after(() => upstream?.close())

  const sse = (response: ServerResponse) => response.writeHead(200, { 'content-type': 'text/event-stream' })
  const piece = (text: string) =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`
  const rejectsWith = async (promise: Promise<unknown>, status: number, code: string, message: RegExp) =>
    assert.rejects(promise, (error: ProviderError) => {
      assert.equal(error.name, 'ProviderError')
      assert.equal(error.status, status)
      assert.equal(error.code, code)
      assert.match(error.message, message)
      return true
    })
  const chat = (maxTokens: number, upToContext = false) =>
    backend.generate({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], maxTokens, upToContext })

  it('cuts off an event that never ends (no blank line) at maxEventBytes with 502 upstream_bad_response', async () => {
    let closed = false
    upstream.answer((_request, response) => {
      sse(response)
      response.on('close', () => {
        closed = true
      })
      response.write(`data: ${'x'.repeat(200 * 1024)}`) // and never a blank line
    })
    await rejectsWith(
      chat(8),
      502,
      'upstream_bad_response',
      /^The upstream at http:\/\/127\.0\.0\.1:\d+\/v1 sent a stream beyond the limits: A server-sent event grew past 65536 bytes/,
    )
    for (let i = 0; i < 50 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(closed, true, 'the provider hung up on the upstream')
  })

  it('cuts off a stream larger than maxStreamBytes with 502 upstream_bad_response', async () => {
    upstream.answer((_request, response) => {
      sse(response)
      const event = `: ${'k'.repeat(1000)}\n\n` // comments: small events, endless stream
      const write = () => {
        while (!response.destroyed && response.write(event)) {}
        if (!response.destroyed) response.once('drain', write)
      }
      write()
    })
    await rejectsWith(
      chat(8),
      502,
      'upstream_bad_response',
      /sent a stream beyond the limits: The event stream carried more than 1048576 bytes/,
    )
  })

  it('passes text on well-formed: a pair split between pieces kept whole, lone surrogates as U+FFFD', async () => {
    upstream.answer((_request, response) => {
      sse(response)
      // JSON.stringify writes lone surrogates as escapes ("\ud83d"), as a compromised upstream may.
      response.end(`${piece('a\uD83D')}${piece('\uDE00b\uDC00')}${piece('c\uD800')}data: [DONE]\n\n`)
    })
    const pieces: string[] = []
    const result = await backend.generate({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      onText: (text) => pieces.push(text),
    })
    assert.equal(result.text, 'a😀b\uFFFDc\uFFFD')
    assert.deepEqual(pieces, ['a', '😀b\uFFFD', 'c', '\uFFFD'])
  })

  it('refuses a piece of text that is not a string with 502 upstream_bad_response', async () => {
    upstream.answer((_request, response) => {
      sse(response)
      response.end(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: { evil: true } } }] })}\n\n`,
      )
    })
    await rejectsWith(chat(8), 502, 'upstream_bad_response', /sent a piece of text that is not a string$/)
  })

  it('stops reading and bills no more than maxTokens when an upstream streams past them', async () => {
    upstream.answer((_request, response) => {
      sse(response)
      for (let i = 0; i < 40; i++) response.write(piece('a'))
      // Usage claiming far more than was asked for.
      response.end(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 10_000 } })}\n\n`,
      )
    })
    const cut = await chat(10, true)
    assert.deepEqual(cut, { text: 'a'.repeat(10), inputTokens: 0, outputTokens: 10, finishReason: 'length' })
    upstream.answer((_request, response) => {
      sse(response)
      for (let i = 0; i < 4; i++) response.write(piece('a'))
      response.end(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 10_000 } })}\n\n`,
      )
    })
    const lying = await chat(10)
    assert.deepEqual(lying, { text: 'aaaa', inputTokens: 3, outputTokens: 10, finishReason: 'stop' })
  })

  it('refuses an embeddings answer larger than its bound, or of the wrong shape, with 502 upstream_bad_response', async () => {
    upstream.answer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ data: [{ index: 0, embedding: Array(40_000).fill(0.5) }] }))
    })
    await rejectsWith(
      backend.embed('tiny', ['x']),
      502,
      'upstream_bad_response',
      /sent an embeddings answer it could not read: The peer at .* sent a body of more than 81920 bytes, more than the 81920 bytes allowed; it was cut off$/,
    )
    for (const data of [
      [{ index: 0, embedding: [1, 'two'] }],
      [{ index: 0, embedding: [1, 2] }],
      [
        { index: 0, embedding: [1, 2] },
        { index: 0, embedding: [3, 4] },
      ],
      [
        { index: 0, embedding: [1, 2] },
        { index: 1, embedding: [3] },
      ],
    ]) {
      upstream.answer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ data }))
      })
      await rejectsWith(
        backend.embed('tiny', ['x', 'y']),
        502,
        'upstream_bad_response',
        /sent an embeddings answer that is not 2 vectors of numbers$/,
      )
    }
    upstream.answer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          data: [
            { index: 1, embedding: [3, 4] },
            { index: 0, embedding: [1, 2] },
          ],
          usage: { prompt_tokens: 4 },
        }),
      )
    })
    assert.deepEqual(await backend.embed('tiny', ['x', 'y']), {
      embeddings: [
        [1, 2],
        [3, 4],
      ],
      inputTokens: 4,
    })
  })

  it('reads at most 64 KiB of an error answer and keeps a short message of it', async () => {
    upstream.answer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { message: `bad ${'m'.repeat(100_000)}`, code: 'Not A Code!' } }))
    })
    await rejectsWith(chat(8), 400, 'invalid_request', /^The upstream refused the request: Bad Request$/)
    upstream.answer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { message: `bad ${'m'.repeat(1000)}`, code: 'Not A Code!' } }))
    })
    await rejectsWith(chat(8), 400, 'invalid_request', /^The upstream refused the request: bad m{496}$/)
  })
})
