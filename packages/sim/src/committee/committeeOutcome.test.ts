import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRng } from '../rng/createRng.js'
import { committeeOutcome } from './committeeOutcome.js'

describe('committeeOutcome', () => {
  it('an honest pool always finds the truth; a pool too small to seat a majority is void', () => {
    const rng = createRng(1)
    for (let t = 0; t < 200; t++) {
      assert.equal(committeeOutcome({ holders: 10, colluding: 0, lazy: 0 }, 3, 2, rng).outcome, 'truth')
      assert.equal(committeeOutcome({ holders: 1, colluding: 0, lazy: 0 }, 3, 2, rng).outcome, 'void')
    }
  })

  it('a cartel wins about as often as it holds a majority of the seats (3 of 10 colluding, committee 3)', () => {
    const rng = createRng(2)
    let wrong = 0
    const trials = 20_000
    for (let t = 0; t < trials; t++)
      if (committeeOutcome({ holders: 10, colluding: 3, lazy: 0 }, 3, 2, rng).outcome === 'wrong') wrong++
    // P(at least 2 of 3 drawn from 3 of 10 without replacement) = (3·C(3,2)·7 + 1) / C(10,3) = 22/120.
    assert.ok(Math.abs(wrong / trials - 22 / 120) < 0.01, `${wrong / trials}`)
  })

  it('redraws the seats of lazy members and counts them as absentees', () => {
    const rng = createRng(3)
    const r = committeeOutcome({ holders: 6, colluding: 0, lazy: 3 }, 3, 2, rng)
    assert.notEqual(r.outcome, 'wrong')
    assert.ok(r.absentees >= 0 && r.absentees <= 3)
  })
})
