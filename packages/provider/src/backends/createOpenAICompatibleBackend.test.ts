import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
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
