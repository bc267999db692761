import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jsonDepthExceeds } from './jsonDepthExceeds.js'

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not scalars', () => {
    assert.equal(jsonDepthExceeds('1', 0), false)
    assert.equal(jsonDepthExceeds('[]', 0), true)
    assert.equal(jsonDepthExceeds('[]', 1), false)
    assert.equal(jsonDepthExceeds('{"a":[1,{"b":2}]}', 3), false)
    assert.equal(jsonDepthExceeds('{"a":[1,{"b":2}]}', 2), true)
    assert.equal(jsonDepthExceeds('[[],[],[[]]]', 2), true)
    assert.equal(jsonDepthExceeds('[[],[],[]]', 2), false)
  })

  it('ignores brackets inside strings, also after escaped quotes and backslashes', () => {
    assert.equal(jsonDepthExceeds('["[[[[[[", "{{{{"]', 1), false)
    assert.equal(jsonDepthExceeds('["a\\"[[[[", "\\\\"]', 1), false)
    assert.equal(jsonDepthExceeds('["\\\\", [[[1]]]]', 3), true)
  })

  it('answers the same as the nesting JSON.parse sees, on random documents', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0
    const random = (depth: number): unknown => {
      const roll = Math.random()
      if (depth === 0 || roll < 0.3) return ['"[{\\', 'x]}"', 7, null, true][Math.floor(Math.random() * 5)]
      if (roll < 0.65)
        return Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => random(depth - 1))
      return { '{[': random(depth - 1), '\\"': random(depth - 1) }
    }
    for (let i = 0; i < 500; i++) {
      const text = JSON.stringify(random(8))
      const depth = depthOf(JSON.parse(text))
      assert.equal(jsonDepthExceeds(text, depth), false, text)
      if (depth > 0) assert.equal(jsonDepthExceeds(text, depth - 1), true, text)
    }
  })

  it('scans a megabyte-deep document in linear time without recursion', () => {
    const text = '['.repeat(1_000_000)
    assert.equal(jsonDepthExceeds(text, 64), true)
    assert.equal(jsonDepthExceeds(`"${'['.repeat(1_000_000)}"`, 64), false)
  })

  it('refuses a maxDepth that is not a whole number', () => {
    assert.throws(() => jsonDepthExceeds('[]', Number.NaN), {
      name: 'TypeError',
      message: 'jsonDepthExceeds: maxDepth must be a whole number, not NaN',
    })
  })
})
