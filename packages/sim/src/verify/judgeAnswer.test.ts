import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defaultTolerances } from '@infermesh/validator/verify/tolerances'
import { createRng } from '../rng/createRng.js'
import { decodingModes } from './decodingModes.js'
import { judgeAnswer } from './judgeAnswer.js'

describe('judgeAnswer (the validator’s real rules on synthetic logits)', () => {
  const base = { drift: 0, length: 64, tolerances: defaultTolerances, embeddingsCheck: false }
  it('passes honest answers on the validator’s own kernels in every decoding mode', () => {
    const rng = createRng(5)
    for (const mode of decodingModes)
      for (let t = 0; t < 20; t++) assert.equal(judgeAnswer({ ...base, rule: mode.rule }, rng), 'pass')
  })

  it('finds random tokens and count inflation in every mode, and another model in greedy decoding', () => {
    const rng = createRng(6)
    for (const mode of decodingModes) {
      for (let t = 0; t < 10; t++) {
        assert.equal(judgeAnswer({ ...base, rule: mode.rule, cheat: 'randomTokens' }, rng), 'breach')
        assert.equal(judgeAnswer({ ...base, rule: mode.rule, cheat: 'countInflation' }, rng), 'breach')
      }
    }
    for (let t = 0; t < 10; t++)
      assert.equal(judgeAnswer({ ...base, rule: { kind: 'greedy' }, cheat: 'otherModel' }, rng), 'breach')
  })

  it('lets an embeddings cheat pass while embeddings are not re-executed, and catches it with a cosine check', () => {
    const rng = createRng(7)
    const spec = { ...base, rule: { kind: 'greedy' } as const, cheat: 'embeddings' as const }
    assert.equal(judgeAnswer(spec, rng), 'pass')
    assert.equal(judgeAnswer({ ...spec, embeddingsCheck: true }, rng), 'breach')
  })
})
