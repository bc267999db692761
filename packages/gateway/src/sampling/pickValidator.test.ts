import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { NetworkValidator } from '@infermesh/client'
import { pickValidator } from './pickValidator.js'

const mesh = 10n ** 18n
const validator = (n: number, stake: bigint): NetworkValidator => ({
  address: `0x${n.toString(16).padStart(2, '0').repeat(20)}`,
  endpoint: `http://v${n}`,
  stake,
  models: [],
})

/** A seeded uniform generator (mulberry32): the same draws every run. */
function seeded(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('pickValidator', () => {
  it('draws in proportion to stake: the draw walks the cumulative weights', () => {
    const list = [validator(1, 100n * mesh), validator(2, 300n * mesh)]
    // Weights 100 and 300 of 400: draws below 0.25 pick the first, the rest the second.
    assert.equal(pickValidator(list, undefined, () => 0)?.endpoint, 'http://v1')
    assert.equal(pickValidator(list, undefined, () => 0.2499)?.endpoint, 'http://v1')
    assert.equal(pickValidator(list, undefined, () => 0.25)?.endpoint, 'http://v2')
    assert.equal(pickValidator(list, undefined, () => 0.999999)?.endpoint, 'http://v2')
  })

  it('caps each weight: a stake above the cap weighs the cap', () => {
    const list = [validator(1, 100n * mesh), validator(2, 10_000n * mesh)]
    // Cap 100: both weigh 100, so a draw of 0.49 picks the first and 0.5 the second.
    assert.equal(pickValidator(list, 100n * mesh, () => 0.49)?.endpoint, 'http://v1')
    assert.equal(pickValidator(list, 100n * mesh, () => 0.5)?.endpoint, 'http://v2')
  })

  it('gives sybils no edge: stake split into ten accounts draws as often as one account holding it', () => {
    const random = seeded(12)
    const whole = validator(1, 1000n * mesh)
    const sybils = Array.from({ length: 10 }, (_, i) => validator(10 + i, 100n * mesh))
    const honest = validator(2, 1000n * mesh)
    let toSybils = 0
    const draws = 20_000
    for (let i = 0; i < draws; i++) {
      const picked = pickValidator([honest, ...sybils], 10_000n * mesh, random)
      if (picked !== honest) toSybils++
    }
    // Half the stake, half the samples (binomial sd 0.35%; ±2% is more than 5 sd).
    assert.ok(Math.abs(toSybils / draws - 0.5) < 0.02, `sybils drew ${toSybils} of ${draws}`)
    let toWhole = 0
    for (let i = 0; i < draws; i++)
      if (pickValidator([honest, whole], 10_000n * mesh, random) === whole) toWhole++
    assert.ok(Math.abs(toWhole / draws - 0.5) < 0.02, `the whole account drew ${toWhole} of ${draws}`)
  })

  it('draws uniformly when every weight is 0, and nothing from an empty list', () => {
    const list = [validator(1, 0n), validator(2, 0n)]
    assert.equal(pickValidator(list, undefined, () => 0.49)?.endpoint, 'http://v1')
    assert.equal(pickValidator(list, undefined, () => 0.5)?.endpoint, 'http://v2')
    assert.equal(
      pickValidator([], undefined, () => 0.5),
      undefined,
    )
  })
})
