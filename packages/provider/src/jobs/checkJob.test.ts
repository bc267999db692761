import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson, hashRequest, type JobRequested, type NamedJob } from '@infermesh/protocol'
import { type Hex, stringToHex } from 'viem'
import type { ServedModel } from '../server/ProviderServerOptions.js'
import { checkJob } from './checkJob.js'

const modelId = `0x${'ab'.repeat(32)}` as Hex
const model: ServedModel = {
  name: 'tiny',
  modelId,
  pricePerMInput: 1n,
  pricePerMOutput: 2n,
  contextLength: 2048,
  embeddings: true,
}
const models = new Map([[modelId, model]])

/** A job and its JobRequested event for `inputText`, its requestHash as the coordinator builds it. */
function jobOf(inputText: string, overrides: Partial<NamedJob> = {}) {
  const base = { maxTokens: 16, temperatureMilli: 700, seed: 42n, modelId, ...overrides }
  let requestHash: Hex = `0x${'00'.repeat(32)}`
  try {
    requestHash = hashRequest('chat', {
      max_tokens: base.maxTokens,
      messages: JSON.parse(inputText),
      model: modelId,
      seed: Number(base.seed),
      temperature: base.temperatureMilli / 1000,
    })
  } catch {}
  const job = { id: 1n, state: 'assigned', requestHash, ...base } as unknown as NamedJob
  const requested = { inputText, input: stringToHex(inputText) } as JobRequested
  return { job, requested }
}

describe('checkJob (what a provider accepts from the JobCoordinator)', () => {
  it('accepts a canonical chat input and runs it with the seed, temperature and max tokens of the job', () => {
    const input = canonicalJson([{ role: 'user', content: 'What is 2 + 2?' }])
    const { job, requested } = jobOf(input)
    const checked = checkJob(job, requested, { models, maxTokens: 64 })
    assert.ok(checked.ok)
    assert.deepEqual(checked.messages, [{ role: 'user', content: 'What is 2 + 2?' }])
    assert.equal(checked.temperature, 0.7)
    assert.equal(checked.seed, 42)
    assert.equal(checked.maxTokens, 16)
    assert.equal(checked.requestHash, job.requestHash)
  })

  const declines: [string, string, Partial<NamedJob>, string][] = [
    [
      'input that is not canonical (spaces)',
      '[{"role": "user","content":"hi"}]',
      {},
      'the input is not canonical JSON (RFC 8785)',
    ],
    ['input that is not JSON', '[{"content":"hi"', {}, 'the input is not JSON'],
    [
      'input that is not an array',
      '{"content":"hi","role":"user"}',
      {},
      'the input is not a JSON array of chat messages',
    ],
    [
      'more tokens than the provider takes',
      '[{"content":"hi","role":"user"}]',
      { maxTokens: 65 },
      "max tokens 65 is above this provider's limit of 64",
    ],
    [
      'a model not served',
      '[{"content":"hi","role":"user"}]',
      { modelId: `0x${'cd'.repeat(32)}` },
      `model 0x${'cd'.repeat(32)} is not served here`,
    ],
  ]
  for (const [what, input, overrides, reason] of declines)
    it(`declines ${what}`, () => {
      const { job, requested } = jobOf(input, overrides)
      assert.deepEqual(checkJob(job, requested, { models, maxTokens: 64 }), { ok: false, reason })
    })

  it('declines messages the chat route refuses (an unknown role), naming the field', () => {
    const { job, requested } = jobOf('[{"content":"hi","role":"wizard"}]')
    const checked = checkJob(job, requested, { models, maxTokens: 64 })
    assert.equal(checked.ok, false)
    assert.match((checked as { reason: string }).reason, /^the input is not a valid chat request: .*messages/)
  })

  it('declines a job whose requestHash is not the hash of the request its input stands for', () => {
    const { job, requested } = jobOf('[{"content":"hi","role":"user"}]')
    const wrong = { ...job, requestHash: `0x${'11'.repeat(32)}` as Hex }
    const checked = checkJob(wrong, requested, { models, maxTokens: 64 })
    assert.equal(checked.ok, false)
    assert.match(
      (checked as { reason: string }).reason,
      /^the request hash 0x[0-9a-f]{64} differs from the job's 0x1111/,
    )
  })
})
