import assert from 'node:assert/strict'
import { it } from 'node:test'
import { jsonDepthExceeds } from './jsonDepthExceeds.js'

it('counts nesting of objects and arrays, not brackets inside strings', () => {
  assert.equal(jsonDepthExceeds('{"a":[[1]]}', 3), false)
  assert.equal(jsonDepthExceeds('{"a":[[1]]}', 2), true)
  assert.equal(jsonDepthExceeds('{"a":"[[[[[[[[[[[["}', 1), false)
  assert.equal(jsonDepthExceeds('{"a":"\\"[[[[[["}', 1), false)
  assert.equal(jsonDepthExceeds('[{},{},{}]', 2), false)
})

it('decides on a 1,000,000-deep body without recursing', () => {
  const text = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`
  assert.equal(jsonDepthExceeds(text, 64), true)
})
