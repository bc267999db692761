import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseProviderModels } from './parseProviderModels.js'

const id = `0x${'ab'.repeat(32)}`

describe('parseProviderModels', () => {
  it('keeps valid entries with their names and lower-case ids', () => {
    const parsed = parseProviderModels({
      object: 'list',
      data: [
        {
          id: 'tiny',
          object: 'model',
          infermesh: { modelId: id.toUpperCase().replace('0X', '0x'), extra: 1 },
        },
        { id: 'tiny-2', infermesh: { modelId: `0x${'cd'.repeat(32)}` } },
      ],
    })
    assert.deepEqual(parsed, {
      models: [
        { name: 'tiny', modelId: id },
        { name: 'tiny-2', modelId: `0x${'cd'.repeat(32)}` },
      ],
      dropped: [],
    })
  })

  it('drops each entry of the wrong type and keeps the others, saying which and why', () => {
    const parsed = parseProviderModels({
      data: [
        { id: 'numeric-id', infermesh: { modelId: 123 } },
        { id: 42, infermesh: { modelId: id } },
        { id: 'x'.repeat(257), infermesh: { modelId: id } },
        { id: 'short-id', infermesh: { modelId: '0x1234' } },
        { id: 'no-infermesh' },
        null,
        'tiny',
        { id: 'good', infermesh: { modelId: id } },
      ],
    })
    assert.deepEqual(parsed?.models, [{ name: 'good', modelId: id }])
    assert.deepEqual(
      parsed?.dropped.map((entry) => entry.index),
      [0, 1, 2, 3, 4, 5, 6],
    )
    assert.match(parsed?.dropped[0]?.issue ?? '', /`infermesh.modelId`/)
    assert.match(parsed?.dropped[1]?.issue ?? '', /`id`/)
    assert.match(parsed?.dropped[3]?.issue ?? '', /must be a 32-byte 0x model id/)
  })

  it('keeps the first name given twice', () => {
    const parsed = parseProviderModels({
      data: [
        { id: 'tiny', infermesh: { modelId: id } },
        { id: 'tiny', infermesh: { modelId: `0x${'cd'.repeat(32)}` } },
      ],
    })
    assert.deepEqual(parsed?.models, [{ name: 'tiny', modelId: id }])
  })

  it('refuses an answer that is not a list of at most 1,000 models', () => {
    for (const answer of [
      null,
      'models',
      [],
      {},
      { data: 'tiny' },
      { data: { 0: {} } },
      { data: Array.from({ length: 1001 }, () => ({})) },
    ])
      assert.equal(parseProviderModels(answer), undefined, JSON.stringify(answer).slice(0, 50))
  })
})
