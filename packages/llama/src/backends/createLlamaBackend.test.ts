import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Backend, GenerateParams } from '../backend.js'
import type { LlamaError } from '../LlamaError.js'
import { modelIdOfFile } from '../model/modelIdOfFile.js'
import { writeTinyModel } from '../model/writeTinyModel.js'
import { createLlamaBackend } from './createLlamaBackend.js'

// The tiny model has random weights: its text is noise, so these tests compare runs with each other and
// count tokens, never read the text. Its byte-level vocabulary makes token counts easy to know: BOS, then
// one token per space and one per other UTF-8 byte.

describe('createLlamaBackend', () => {
  let dir: string
  let path: string
  let backend: Backend
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-llama-'))
    ;({ path } = await writeTinyModel({ out: join(dir, 'tiny.gguf'), seed: 11 }))
    backend = await createLlamaBackend({
      models: [
        { name: 'tiny', path, embeddings: true },
        { name: 'tiny-chat-only', path, contextLength: 256 },
      ],
      threads: 1,
      sequences: 4,
    })
  })
  after(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const generate = (params: Partial<GenerateParams>) =>
    backend.generate({ model: 'tiny', maxTokens: 16, temperature: 0, ...params } as GenerateParams)

  test('lists each model with the sha256 of its file as model id', async () => {
    const modelId = await modelIdOfFile(path)
    assert.equal(backend.kind, 'llama')
    assert.deepEqual(backend.models(), [
      { name: 'tiny', modelId, contextLength: 512, embeddings: true },
      { name: 'tiny-chat-only', modelId, contextLength: 256, embeddings: false },
    ])
  })

  test('a completion counts the prompt exactly and stops at maxTokens with finish reason length', async () => {
    const result = await generate({ prompt: 'hello world', maxTokens: 24 })
    assert.equal(result.inputTokens, 1 + 11)
    assert.equal(result.outputTokens, 24)
    assert.equal(result.finishReason, 'length')
    assert.ok(result.text.length > 0)
  })

  test('reports the id of every generated token in order, the same ids for the same greedy request', async () => {
    const result = await generate({ prompt: 'hello world', maxTokens: 24 })
    const ids = result.tokenIds ?? []
    assert.equal(ids.length, result.outputTokens)
    // The vocabulary: <unk>, <s>, </s>, 256 byte tokens and `▁`.
    for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < 260, `token id ${id}`)
    assert.deepEqual((await generate({ prompt: 'hello world', maxTokens: 24 })).tokenIds, ids)
    const chat = await generate({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 })
    assert.equal(chat.tokenIds?.length, chat.outputTokens)
  })

  test('a chat goes through the chat template, counted exactly', async () => {
    // No template in the file: node-llama-cpp picks its Llama 2 wrapper from the `<s>` BOS string, so the
    // model sees `<s>[INST] hi [/INST] `: BOS + 18 characters.
    const result = await generate({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 16 })
    assert.equal(result.inputTokens, 1 + 18)
    assert.equal(result.outputTokens, 16)
    assert.equal(result.finishReason, 'length')

    const withSystem = await generate({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    })
    assert.ok(withSystem.inputTokens > result.inputTokens + 'be brief'.length)
  })

  test('greedy decoding gives the same text twice', async () => {
    const a = await generate({ prompt: 'The capital of France is', maxTokens: 32 })
    const b = await generate({ prompt: 'The capital of France is', maxTokens: 32 })
    assert.deepEqual(a, b)
  })

  test('the same seed samples the same text and different seeds differ', async () => {
    const sample = (seed: number) =>
      generate({ prompt: 'Once upon a time', temperature: 1, seed, maxTokens: 32 })
    const a = await sample(42)
    const b = await sample(42)
    const c = await sample(43)
    assert.equal(a.text, b.text)
    assert.notEqual(a.text, c.text)
    const greedy = await generate({ prompt: 'Once upon a time', maxTokens: 32 })
    assert.notEqual(a.text, greedy.text)
  })

  test('streamed pieces add up to the final text', async () => {
    const pieces: string[] = []
    const result = await generate({ prompt: 'stream me', maxTokens: 32, onText: (text) => pieces.push(text) })
    assert.ok(pieces.length > 1)
    assert.equal(pieces.join(''), result.text)
  })

  test('the random model’s bytes reach the text as well-formed Unicode, each streamed piece too (U+FFFD for bytes that are not UTF-8)', async () => {
    const strict = new TextDecoder('utf-8', { fatal: true })
    let replaced = 0
    for (const seed of [1, 2, 3]) {
      const pieces: string[] = []
      const result = await generate({
        messages: [{ role: 'user', content: 'Hello' }],
        maxTokens: 96,
        temperature: 1,
        seed,
        onText: (text) => pieces.push(text),
      })
      assert.equal(pieces.join(''), result.text)
      for (const text of [result.text, ...pieces]) {
        assert.ok(!/\p{Cs}/u.test(text), `a lone surrogate in ${JSON.stringify(text)}`)
        assert.equal(strict.decode(Buffer.from(text, 'utf8')), text)
      }
      replaced += [...result.text].filter((c) => c === '\uFFFD').length
    }
    // The random weights write bytes that are not UTF-8: the test saw them replaced, not skipped.
    assert.ok(replaced > 0)
  })

  test('a stop string ends the text before it, streamed the same way', async () => {
    const full = await generate({ prompt: 'stop me', maxTokens: 32 })
    const stop = full.text.slice(6, 8)
    const expected = full.text.slice(0, full.text.indexOf(stop))
    const pieces: string[] = []
    const result = await generate({
      prompt: 'stop me',
      maxTokens: 32,
      stop: [stop],
      onText: (t) => pieces.push(t),
    })
    assert.equal(result.finishReason, 'stop')
    assert.equal(result.text, expected)
    assert.equal(pieces.join(''), expected)
    assert.ok(result.outputTokens < 32)
  })

  test('six concurrent generations share four sequences and all complete', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => generate({ prompt: `request ${i}`, temperature: 0.8, seed: i })),
    )
    for (const result of results) {
      // Sampling may draw `</s>` (rarely, on this model): then the generation stops early.
      if (result.finishReason === 'length') assert.equal(result.outputTokens, 16)
      else assert.ok(result.finishReason === 'stop' && result.outputTokens <= 16)
    }
  })

  test('aborting mid-generation returns the tokens produced so far', async () => {
    const controller = new AbortController()
    let pieces = 0
    const result = await generate({
      prompt: 'abort me',
      maxTokens: 200,
      signal: controller.signal,
      onText: () => {
        if (++pieces === 3) controller.abort()
      },
    })
    assert.equal(result.finishReason, 'aborted')
    assert.ok(result.outputTokens >= 3 && result.outputTokens < 200, `got ${result.outputTokens} tokens`)
    assert.ok(result.text.length > 0)
  })

  test('a request aborted while it waits for a sequence produces nothing', async () => {
    const busy = Array.from({ length: 4 }, () => generate({ prompt: 'busy', maxTokens: 64 }))
    const controller = new AbortController()
    const waiting = generate({ prompt: 'wait', signal: controller.signal })
    controller.abort()
    assert.deepEqual(await waiting, {
      text: '',
      inputTokens: 5,
      outputTokens: 0,
      tokenIds: [],
      finishReason: 'aborted',
    })
    await Promise.all(busy)
  })

  test('a prompt longer than the context is refused', async () => {
    await assert.rejects(generate({ prompt: 'a'.repeat(600) }), {
      name: 'LlamaError',
      message:
        'model "tiny" takes at most 512 tokens of prompt and completion, but the prompt alone is 601 tokens; ' +
        'shorten the prompt',
      status: 400,
      code: 'context_length_exceeded',
      param: 'prompt',
    })
    await assert.rejects(generate({ prompt: 'a'.repeat(500), maxTokens: 32 }), (error: LlamaError) => {
      assert.equal(error.status, 400)
      assert.equal(error.code, 'context_length_exceeded')
      assert.equal(error.param, 'max_tokens')
      assert.equal(
        error.message,
        'model "tiny" takes at most 512 tokens of prompt and completion, but the request needs 533 ' +
          '(501 prompt + 32 max_tokens); lower max_tokens to 11 or shorten the prompt',
      )
      return true
    })
  })

  test('an unknown model is not found', async () => {
    await assert.rejects(generate({ model: 'gpt-5', prompt: 'hi' }), (error: LlamaError) => {
      assert.equal(error.status, 404)
      assert.equal(error.code, 'model_not_found')
      assert.equal(error.message, 'model "gpt-5" is not served here; available: tiny, tiny-chat-only')
      return true
    })
    await assert.rejects(backend.embed('gpt-5', ['hi']), { code: 'model_not_found' })
  })

  test('embeddings are one vector of the embedding length per input, tokens counted exactly', async () => {
    const result = await backend.embed('tiny', ['hello', 'hello world', 'é'])
    assert.equal(result.embeddings.length, 3)
    for (const vector of result.embeddings) {
      assert.equal(vector.length, 64)
      assert.ok(vector.every(Number.isFinite))
    }
    assert.notDeepEqual(result.embeddings[0], result.embeddings[1])
    assert.equal(result.inputTokens, 1 + 5 + (1 + 11) + (1 + 2))
    assert.deepEqual((await backend.embed('tiny', ['hello'])).embeddings[0], result.embeddings[0])
  })

  test('a missing model file fails with its name and path', async () => {
    const missing = join(dir, 'missing.gguf')
    await assert.rejects(createLlamaBackend({ models: [{ name: 'ghost', path: missing }] }), {
      name: 'LlamaError',
      code: 'model_load_failed',
      message: `could not load model "ghost" from ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    })
  })

  test('a closed backend refuses requests, and closing twice is harmless', async () => {
    const other = await createLlamaBackend({ models: [{ name: 'tiny', path }], threads: 1, sequences: 1 })
    assert.equal(
      (await other.generate({ model: 'tiny', prompt: 'hi', maxTokens: 4, temperature: 0 })).outputTokens,
      4,
    )
    await other.close()
    await other.close()
    await assert.rejects(other.generate({ model: 'tiny', prompt: 'hi', maxTokens: 4 }), {
      message: 'the llama backend is closed',
      status: 503,
      code: 'backend_closed',
    })
  })

  test('a model not configured for embeddings refuses them', async () => {
    await assert.rejects(backend.embed('tiny-chat-only', ['hi']), (error: LlamaError) => {
      assert.equal(error.status, 400)
      assert.equal(error.code, 'embeddings_not_supported')
      assert.equal(error.message, 'model "tiny-chat-only" does not serve embeddings')
      return true
    })
  })
})
