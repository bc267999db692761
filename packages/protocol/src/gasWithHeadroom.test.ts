import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gasWithHeadroom } from './gasWithHeadroom.js'

describe('gasWithHeadroom', () => {
  it('adds a quarter and 60,000 gas: enough for a redemption that becomes the first of a new epoch', () => {
    // Payments.redeem: 77,709 as the provider's first of the epoch, 100,052 as the network's first.
    assert.ok(gasWithHeadroom(77_709n) >= 100_052n)
    assert.equal(gasWithHeadroom(100_000n), 185_000n)
    assert.equal(gasWithHeadroom(0n), 60_000n)
  })
})
