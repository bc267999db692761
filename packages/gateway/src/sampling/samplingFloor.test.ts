import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { samplingFloor } from './samplingFloor.js'

describe('samplingFloor', () => {
  it('is R / (R + S): a 0.001 MESH job against a 100 MESH slash needs p above 1e-5', () => {
    const p = samplingFloor({ jobPay: 10n ** 15n, slash: 100n * 10n ** 18n })
    assert.ok(Math.abs(p - 1e-5) < 1e-9, String(p))
  })
  it('is 1 when nothing can be slashed, and 0 when the job pays nothing', () => {
    assert.equal(samplingFloor({ jobPay: 10n, slash: 0n }), 1)
    assert.equal(samplingFloor({ jobPay: 0n, slash: 10n }), 0)
  })
  it('makes cheating lose at any p above it: p·(R+S) > R', () => {
    for (const [R, S] of [
      [10n ** 15n, 10n ** 20n],
      [10n ** 18n, 10n ** 18n],
      [5n, 7n],
    ] as const) {
      const p = samplingFloor({ jobPay: R, slash: S }) * 1.01
      assert.ok(p * Number(R + S) > Number(R))
    }
  })
})
