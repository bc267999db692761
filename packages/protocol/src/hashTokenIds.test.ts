import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodePacked, keccak256 } from 'viem'
import { emptyTokensHash, hashTokenIds } from './hashTokenIds.js'

describe('hashTokenIds', () => {
  it('is keccak256 of the ids packed as 4-byte big-endian uint32s (encodePacked of each), computed independently with viem', () => {
    const expected = keccak256(encodePacked(['uint32', 'uint32', 'uint32'], [1, 2, 3]))
    assert.equal(hashTokenIds([1, 2, 3]), expected)
    assert.equal(hashTokenIds([1, 2, 3]), keccak256('0x000000010000000200000003'))
  })

  it('hashes no tokens to keccak256 of no bytes, the spec constant', () => {
    assert.equal(emptyTokensHash, '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    assert.equal(hashTokenIds([]), emptyTokensHash)
    assert.equal(keccak256('0x'), emptyTokensHash)
  })

  it('depends on the order of the ids and covers the whole uint32 range', () => {
    assert.notEqual(hashTokenIds([1, 2, 3]), hashTokenIds([3, 2, 1]))
    assert.equal(
      hashTokenIds([0, 4294967295]),
      keccak256(encodePacked(['uint32', 'uint32'], [0, 4294967295])),
    )
  })

  it('refuses an id that is not a whole number from 0 to 2^32 - 1, naming it', () => {
    for (const [id, shown] of [
      [-1, '-1'],
      [4294967296, '4294967296'],
      [1.5, '1.5'],
      [Number.NaN, 'NaN'],
    ] as const) {
      assert.throws(() => hashTokenIds([7, id]), {
        name: 'InferMeshProtocolError',
        message: `hashTokenIds: token id ${shown} at index 1 is not a whole number from 0 to 4294967295.`,
      })
    }
  })
})
