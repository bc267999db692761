import assert from 'node:assert/strict'
import { it } from 'node:test'
import { normalizePath } from './normalizePath.js'

it('decodes percent-encoded unreserved characters in the path only', () => {
  assert.equal(normalizePath('/%761/models'), '/v1/models')
  assert.equal(normalizePath('/v%31/chat/completions?x=%41'), '/v1/chat/completions?x=%41')
  assert.equal(normalizePath('/a%2Fb'), '/a%2Fb')
  assert.equal(normalizePath('/%7e%2d%2E%5f'), '/~-._')
})
