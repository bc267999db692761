import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Backend } from '../backend.js'
import { writeTinyModel } from '../model/writeTinyModel.js'
import { createCheatingBackend } from './createCheatingBackend.js'
import { createLlamaBackend } from './createLlamaBackend.js'

// Test-only cheats; the validator's tests check that each is caught. These check that each cheats as
// documented while looking like the honest backend from outside.

describe('createCheatingBackend', () => {
  let dir: string
  let honest: Backend
  let impostor: Backend
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-cheat-'))
    const { path } = await writeTinyModel({ out: join(dir, 'tiny.gguf'), seed: 11 })
    const { path: other } = await writeTinyModel({ out: join(dir, 'other.gguf'), seed: 12 })
    honest = await createLlamaBackend({ models: [{ name: 'tiny', path }], threads: 1, sequences: 1 })
    impostor = await createLlamaBackend({
      models: [{ name: 'cheap', path: other }],
      threads: 1,
      sequences: 1,
    })
  })
  after(async () => {
    await honest?.close()
    await impostor?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const request = { model: 'tiny', prompt: 'hello world', maxTokens: 24, temperature: 0 }

  test('other-model advertises the honest model but answers with the impostor', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'other-model', impostor })
    assert.deepEqual(cheat.models(), honest.models())
    const answer = await cheat.generate(request)
    assert.deepEqual(answer, await impostor.generate({ ...request, model: 'cheap' }))
    assert.notEqual(answer.text, (await honest.generate(request)).text)
  })

  test('other-model without an impostor is refused', () => {
    assert.throws(() => createCheatingBackend(honest, { mode: 'other-model' }), {
      message: 'the other-model cheat needs an impostor backend (INFERMESH_CHEAT_MODEL)',
    })
  })

  test('truncate keeps the first half and claims an end token', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'truncate' })
    const full = await honest.generate(request)
    const cut = await cheat.generate(request)
    assert.equal(full.finishReason, 'length')
    assert.equal(cut.finishReason, 'stop')
    assert.equal(cut.outputTokens, 12 + 1)
    assert.equal(cut.inputTokens, full.inputTokens)
    assert.ok(full.text.startsWith(cut.text.slice(0, -1)))
    assert.equal(cut.tokenIds, undefined)
  })

  test('random-tokens counts the prompt honestly and returns max_tokens printable characters', async () => {
    const cheat = createCheatingBackend(honest, { mode: 'random-tokens', seed: 3 })
    const answer = await cheat.generate(request)
    assert.equal(answer.inputTokens, (await honest.generate(request)).inputTokens)
    assert.equal(answer.outputTokens, 24)
    assert.equal(answer.finishReason, 'length')
    assert.match(answer.text, /^[!-~]{24}$/)
    assert.equal(answer.tokenIds, undefined)
  })
})
