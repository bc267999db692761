import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keccak256, stringToBytes } from 'viem'
import { canonicalJson } from './canonicalJson.js'
import { hashRequest } from './hashRequest.js'
import type { RequestKind } from './requestKind.js'

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

  it('is keccak256 of the UTF-8 bytes of the canonical JSON of {kind, body}', () => {
    const canonical =
      '{"body":{"max_tokens":16,"messages":[{"content":"Be brief.","role":"system"},' +
      '{"content":"Grüß dich 👋","role":"user"}],"model":"tiny-llama","temperature":0},"kind":"chat"}'
    assert.equal(hashRequest('chat', body), keccak256(stringToBytes(canonical)))
    assert.equal(hashRequest('chat', body), keccak256(stringToBytes(canonicalJson({ kind: 'chat', body }))))
  })

  it('gives this fixed vector for a chat body', () => {
    // keccak256('{"body":{"messages":[{"content":"Hi","role":"user"}],"model":"tiny"},"kind":"chat"}'),
    // also what contracts/test/utils/ConsensusBase.sol's REQUEST hashes to.
    assert.equal(
      hashRequest('chat', { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] }),
      '0xd8a4d140e3f3353c946232217fde48dfeeab1567040c4dcb989f8be80fb81a52',
    )
  })

  it('differs between kinds for the same body, so a request is never judged as another kind', () => {
    const kinds: RequestKind[] = ['chat', 'completion', 'embeddings']
    const framed = { model: 'tiny', prompt: 'Hi', messages: [{ role: 'user', content: 'Hi' }] }
    const hashes = kinds.map((kind) => hashRequest(kind, framed))
    assert.equal(new Set(hashes).size, 3)
  })

  it('does not change with key order or the whitespace of the JSON the body was parsed from', () => {
    const reordered = JSON.parse(
      `{ "temperature": 0.0, "max_tokens": 16,
         "messages": [ { "content": "Be brief.", "role": "system" },
                       { "role": "user", "content": "Gr\\u00fc\\u00df dich \\ud83d\\udc4b" } ],
         "model": "tiny-llama" }`,
    )
    assert.equal(hashRequest('chat', reordered), hashRequest('chat', body))
  })

  it('changes when any value or the order of messages changes', () => {
    const hash = hashRequest('chat', body)
    assert.notEqual(hashRequest('chat', { ...body, temperature: 0.1 }), hash)
    assert.notEqual(hashRequest('chat', { ...body, messages: [...body.messages].reverse() }), hash)
    assert.notEqual(hashRequest('chat', { ...body, model: 'tiny-llama ' }), hash)
  })

  it('ignores properties whose value is undefined', () => {
    assert.equal(hashRequest('chat', { ...body, stop: undefined }), hashRequest('chat', body))
  })

  it('refuses an unknown kind and a body it cannot hash, saying why', () => {
    assert.throws(() => hashRequest('chat.completion' as RequestKind, body), {
      name: 'InferMeshProtocolError',
      message: 'hashRequest: the kind "chat.completion" is not one of chat, completion, embeddings.',
    })
    assert.throws(() => hashRequest('completion', { model: 'tiny', prompt: 'Hi', temperature: Infinity }), {
      name: 'InferMeshProtocolError',
      message: 'canonicalJson: Infinity at $.temperature is not a JSON number.',
    })
    let deep: unknown = 1
    for (let level = 0; level < 200_000; level++) deep = [deep]
    assert.throws(() => hashRequest('chat', { model: 'tiny', messages: deep }), {
      name: 'InferMeshProtocolError',
      message: 'canonicalJson: the value is nested too deeply to hash.',
    })
  })
})
