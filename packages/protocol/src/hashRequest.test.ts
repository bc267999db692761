import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keccak256, stringToBytes } from 'viem'
import { hashRequest } from './hashRequest.js'

describe('hashRequest', () => {
  const body = {
    model: 'tiny-llama',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Grüß dich 👋' },
    ],
    temperature: 0,
    max_tokens: 16,
  }

  it('is keccak256 of the UTF-8 bytes of the canonical JSON of the body', () => {
    const canonical =
      '{"max_tokens":16,"messages":[{"content":"Be brief.","role":"system"},' +
      '{"content":"Grüß dich 👋","role":"user"}],"model":"tiny-llama","temperature":0}'
    assert.equal(hashRequest(body), keccak256(stringToBytes(canonical)))
  })

  it('does not change with key order or the whitespace of the JSON the body was parsed from', () => {
    const reordered = JSON.parse(
      `{ "temperature": 0.0, "max_tokens": 16,
         "messages": [ { "content": "Be brief.", "role": "system" },
                       { "role": "user", "content": "Gr\\u00fc\\u00df dich \\ud83d\\udc4b" } ],
         "model": "tiny-llama" }`,
    )
    assert.equal(hashRequest(reordered), hashRequest(body))
  })

  it('changes when any value or the order of messages changes', () => {
    const hash = hashRequest(body)
    assert.notEqual(hashRequest({ ...body, temperature: 0.1 }), hash)
    assert.notEqual(hashRequest({ ...body, messages: [...body.messages].reverse() }), hash)
    assert.notEqual(hashRequest({ ...body, model: 'tiny-llama ' }), hash)
  })

  it('ignores properties whose value is undefined', () => {
    assert.equal(hashRequest({ ...body, stop: undefined }), hashRequest(body))
  })
})
