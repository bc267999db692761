import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson } from './canonicalJson.js'
import { hashResponse } from './hashResponse.js'

describe('hashResponse', () => {
  it('is keccak256 of the UTF-8 bytes of the text', () => {
    // keccak256("") and keccak256("hello") are well-known constants.
    assert.equal(hashResponse(''), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    assert.equal(hashResponse('hello'), '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8')
  })

  it('hashes multi-byte characters as UTF-8, so "é" and "e\\u0301" differ', () => {
    assert.notEqual(hashResponse('é'), hashResponse('e\u0301'))
    assert.equal(hashResponse('é'), hashResponse('\u00e9'))
  })

  it('hashes embeddings through the canonical JSON of the vectors', () => {
    const vectors = [
      [0.25, -1, 3e-8],
      [1, 0, 0],
    ]
    assert.equal(hashResponse(canonicalJson(vectors)), hashResponse('[[0.25,-1,3e-8],[1,0,0]]'))
  })
})
