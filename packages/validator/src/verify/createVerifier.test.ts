import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  type Backend,
  type ChatMessage,
  createCheatingBackend,
  createLlamaBackend,
  modelIdOfFile,
  writeTinyModel,
} from '@infermesh/llama'
import type { Hex } from 'viem'
import { createVerifier, type Verifier, type VerifyResult } from './createVerifier.js'

// The tiny model has random weights and a byte-level vocabulary: its text is noise (often bytes that are
// not valid UTF-8, which the response shows as U+FFFD), so these tests only compare the provider's
// backend with the validator, never read the text.

type Body = {
  prompt?: string
  messages?: ChatMessage[]
  max_tokens?: number
  temperature?: number
  top_p?: number
  seed?: number
  stop?: string[]
}

describe('createVerifier', () => {
  let dir: string
  let modelId: Hex
  let honest: Backend
  let impostor: Backend
  let verifier: Verifier
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-verify-'))
    const { path } = await writeTinyModel({ out: join(dir, 'tiny.gguf'), seed: 11 })
    const { path: otherPath } = await writeTinyModel({ out: join(dir, 'other.gguf'), seed: 12 })
    modelId = await modelIdOfFile(path)
    honest = await createLlamaBackend({ models: [{ name: 'tiny', path }], threads: 1, sequences: 2 })
    impostor = await createLlamaBackend({
      models: [{ name: 'tiny', path: otherPath }],
      threads: 1,
      sequences: 1,
    })
    verifier = await createVerifier({ models: [{ modelId, path }], threads: 1 })
  })
  after(async () => {
    await honest?.close()
    await impostor?.close()
    await verifier?.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** Serves `body` with `backend` (as the provider's HTTP layer maps it) and verifies the answer. */
  async function serveAndVerify(
    backend: Backend,
    body: Body,
    tamper?: (counts: { inputTokens: number; outputTokens: number }) => void,
  ) {
    const result = await backend.generate({
      model: 'tiny',
      ...(body.messages ? { messages: body.messages } : { prompt: body.prompt ?? '' }),
      maxTokens: body.max_tokens ?? 16,
      ...(body.temperature !== undefined && { temperature: body.temperature }),
      ...(body.top_p !== undefined && { topP: body.top_p }),
      ...(body.seed !== undefined && { seed: body.seed }),
      ...(body.stop && { stop: body.stop }),
    })
    const counts = { inputTokens: result.inputTokens, outputTokens: result.outputTokens }
    tamper?.(counts)
    return await verifier.verify({
      modelId,
      kind: body.messages ? 'chat' : 'completion',
      request: { model: 'tiny', ...body },
      responseText: result.text,
      ...counts,
    })
  }

  const chat = (content: string): ChatMessage[] => [{ role: 'user', content }]
  const summary = (result: VerifyResult) =>
    `${result.verdict} (${result.checkedTokens} checked, ${result.mismatches} mismatches): ${result.reasons.join('; ')}`

  test('honest greedy answers pass, chats and completions, ended by length, an end token or a stop string', async () => {
    const bodies: Body[] = [
      { prompt: 'hello world', max_tokens: 24, temperature: 0 },
      { prompt: 'The lighthouse keeper', max_tokens: 48, temperature: 0 },
      { messages: chat('hi there'), max_tokens: 32, temperature: 0 },
      {
        messages: [{ role: 'system', content: 'be brief' }, ...chat('what is the sea?')],
        max_tokens: 40,
        temperature: 0,
      },
      { prompt: 'stop test', max_tokens: 40, temperature: 0, stop: ['B'] },
    ]
    for (const body of bodies) {
      const result = await serveAndVerify(honest, body)
      assert.equal(result.verdict, 'pass', `${JSON.stringify(body)}: ${summary(result)}`)
      assert.equal(result.decoding, 'greedy')
      assert.equal(result.mismatches, 0)
      assert.ok(result.checkedTokens > 0)
    }
  })

  test('honest seeded answers pass, with temperature and top-p, chats and completions', async () => {
    const bodies: Body[] = [
      { prompt: 'hello world', max_tokens: 32, seed: 3 },
      { prompt: 'Once upon a time', max_tokens: 48, temperature: 0.7, seed: 5 },
      { prompt: 'Once upon a time', max_tokens: 48, temperature: 1.3, top_p: 0.9, seed: 6 },
      { messages: chat('hi there'), max_tokens: 32, temperature: 1, seed: 9 },
      { messages: chat('tell me more'), max_tokens: 32, temperature: 0.5, top_p: 0.95, seed: 10 },
    ]
    for (const body of bodies) {
      const result = await serveAndVerify(honest, body)
      assert.equal(result.decoding, 'sampled')
      assert.notEqual(result.verdict, 'breach', `${JSON.stringify(body)}: ${summary(result)}`)
    }
  })

  test('a receipt that overstates the prompt is a breach, with both counts in the reason', async () => {
    const result = await serveAndVerify(
      honest,
      { prompt: 'hello world', max_tokens: 8, temperature: 0 },
      (counts) => {
        counts.inputTokens += 1
      },
    )
    assert.equal(result.verdict, 'breach')
    assert.deepEqual(result.reasons, ['the receipt counts 13 input tokens, but the prompt is 12 tokens'])
  })

  test('a receipt that overstates the output is a breach', async () => {
    const result = await serveAndVerify(
      honest,
      { prompt: 'hello world', max_tokens: 8, temperature: 0 },
      (counts) => {
        counts.outputTokens += 3
      },
    )
    assert.equal(result.verdict, 'breach')
    assert.deepEqual(result.reasons, [
      'the receipt counts 11 output tokens, more than max_tokens 8',
      'the receipt counts 11 output tokens, but the response is 8 tokens (9 with an end token)',
    ])
  })

  test('a response that still holds its stop string is a breach', async () => {
    const result = await verifier.verify({
      modelId,
      kind: 'completion',
      request: { model: 'tiny', prompt: 'x', max_tokens: 8, temperature: 0, stop: ['END'] },
      responseText: 'abc END',
      inputTokens: 2,
      outputTokens: 7,
    })
    assert.equal(result.verdict, 'breach')
    assert.ok(
      result.reasons.includes('the response contains the stop string "END"; generation must end before it'),
    )
  })

  test('answers from another model under the honest model id are a breach, greedy and sampled', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'other-model', impostor })
    for (const body of [
      { prompt: 'hello world', max_tokens: 64, temperature: 0 },
      { messages: chat('hi there'), max_tokens: 48, temperature: 0 },
      // Sampled answers are judged only up to their first U+FFFD (the bytes behind it are lost, see the
      // README); the tiny models write one within a few tokens, so most sampled cheats of theirs cannot be
      // judged. This seed makes the impostor write 11 judgeable tokens first, enough at temperature 0.2.
      { prompt: 'hello world', max_tokens: 64, temperature: 0.2, seed: 3 },
    ]) {
      const result = await serveAndVerify(cheat, body)
      assert.equal(result.verdict, 'breach', `${JSON.stringify(body)}: ${summary(result)}`)
    }
  })

  test('honest answers at a low temperature pass: bytes behind a U+FFFD are not guessed into a breach', async () => {
    for (const body of [
      { prompt: 'hello world', max_tokens: 64, temperature: 0.1, seed: 3 },
      { prompt: 'hello world', max_tokens: 64, temperature: 0.1, seed: 4 },
      { prompt: 'hello world', max_tokens: 64, temperature: 0.2, seed: 4 },
    ]) {
      const result = await serveAndVerify(honest, body)
      assert.notEqual(result.verdict, 'breach', `${JSON.stringify(body)}: ${summary(result)}`)
    }
  })

  test('an answer cut to half and passed off as ended by the model is a breach (truncated)', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'truncate' })
    for (const body of [
      { prompt: 'hello world', max_tokens: 64, temperature: 0 },
      { messages: chat('hi there'), max_tokens: 40, temperature: 0 },
    ]) {
      const result = await serveAndVerify(cheat, body)
      assert.equal(result.verdict, 'breach', summary(result))
      assert.equal(result.end, 'end-token')
      assert.match(
        result.reasons[0] ?? '',
        /^truncated: the answer ends after \d+ tokens \(max_tokens \d+\) where an end token has probability/,
      )
    }
  })

  test('random tokens are a breach, greedy and sampled', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'random-tokens', seed: 7 })
    for (const body of [
      { prompt: 'hello world', max_tokens: 32, temperature: 0 },
      { prompt: 'hello world', max_tokens: 64, temperature: 1, seed: 3 },
      { messages: chat('hi there'), max_tokens: 64, temperature: 0.8, top_p: 0.95, seed: 4 },
    ]) {
      const result = await serveAndVerify(cheat, body)
      assert.equal(result.verdict, 'breach', `${JSON.stringify(body)}: ${summary(result)}`)
    }
  })

  test('a model this verifier does not hold is refused, not judged', async () => {
    await assert.rejects(
      verifier.verify({
        modelId: `0x${'ab'.repeat(32)}`,
        kind: 'completion',
        request: { model: 'x', prompt: 'a' },
        responseText: '',
        inputTokens: 2,
        outputTokens: 0,
      }),
      {
        name: 'ValidatorError',
        code: 'model_not_loaded',
        message: `model 0x${'ab'.repeat(32)} is not loaded in this verifier`,
      },
    )
  })

  test('a body the provider could not have served is refused, not judged', async () => {
    await assert.rejects(
      verifier.verify({
        modelId,
        kind: 'completion',
        request: { model: 'tiny', prompt: 'a', temperature: 5 },
        responseText: '',
        inputTokens: 2,
        outputTokens: 0,
      }),
      { name: 'ValidatorError', code: 'invalid_request' },
    )
  })

  test('judges no body that carries another kind’s field: a completion with `messages` is neither kind', async () => {
    // Issue 13's framing: a completion body with an extra `messages` field, re-run as a chat, made an
    // honest completion look like a breach. Providers and gateways now refuse such a body (400 naming
    // `messages`), and the validator reads bodies with the same schema: it judges it as neither kind.
    const framed = {
      model: 'tiny',
      prompt: 'hello world',
      max_tokens: 24,
      temperature: 0,
      messages: chat('hi'),
    }
    const served = await honest.generate({
      model: 'tiny',
      prompt: framed.prompt,
      maxTokens: 24,
      temperature: 0,
    })
    const answer = {
      responseText: served.text,
      inputTokens: served.inputTokens,
      outputTokens: served.outputTokens,
    }
    for (const kind of ['completion', 'chat'] as const)
      await assert.rejects(verifier.verify({ modelId, kind, request: framed, ...answer }), {
        name: 'ValidatorError',
        code: 'invalid_request',
      })
    // The same completion without the stray field passes.
    const { messages: _, ...plain } = framed
    const asServed = await verifier.verify({ modelId, kind: 'completion', request: plain, ...answer })
    assert.equal(asServed.verdict, 'pass', summary(asServed))
  })

  test('an embeddings request is refused, not judged token by token', async () => {
    await assert.rejects(
      verifier.verify({
        modelId,
        kind: 'embeddings',
        request: { model: 'tiny', input: 'a' },
        responseText: '',
        inputTokens: 2,
        outputTokens: 0,
      }),
      {
        name: 'ValidatorError',
        code: 'invalid_request',
        message: 'embeddings requests are not re-executed token by token',
      },
    )
  })
})
