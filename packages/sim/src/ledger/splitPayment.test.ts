import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeCost, defaultDeployParams } from '@infermesh/protocol'
import { createRng } from '../rng/createRng.js'
import { splitFlush } from './splitFlush.js'
import { splitPayment } from './splitPayment.js'

describe('splitPayment and splitFlush (the contracts’ rounding)', () => {
  it('splits every amount exactly: burn rounded up, royalty down, the provider the rest', () => {
    const rng = createRng(7)
    for (let t = 0; t < 2000; t++) {
      const amount = computeCost({
        inputTokens: BigInt(rng.int(5000)),
        outputTokens: BigInt(rng.int(5000)),
        pricePerMInput: BigInt(rng.int(1e9)) * 1_000_003n,
        pricePerMOutput: BigInt(rng.int(1e9)) * 999_983n,
      })
      const burnBps = BigInt(rng.int(5001))
      const royaltyBps = BigInt(rng.int(3001))
      const s = splitPayment(amount, burnBps, royaltyBps)
      assert.equal(s.burned + s.royalty + s.toProvider, amount)
      assert.ok(s.burned * 10_000n >= amount * burnBps && (s.burned - 1n) * 10_000n < amount * burnBps)
      assert.ok(s.royalty * 10_000n <= amount * royaltyBps)
      assert.ok(s.toProvider >= 0n)
      const f = splitFlush(s.burned, defaultDeployParams.verificationShareBps)
      assert.equal(f.toFees + f.burned, s.burned)
    }
  })

  it('rounds a 1-wei payment’s burn up to the whole wei, as Payments does', () => {
    assert.deepEqual(splitPayment(1n, 500n, 1000n), { burned: 1n, royalty: 0n, toProvider: 0n })
    assert.deepEqual(splitPayment(100n, 500n, 1000n), { burned: 5n, royalty: 10n, toProvider: 85n })
    assert.throws(() => splitPayment(-1n, 500n, 0n), RangeError)
  })
})
