import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defaultDeployParams } from '@infermesh/protocol'
import { parseEther } from 'viem'
import { epochRewards } from './epochRewards.js'

describe('epochRewards (Emissions’ arithmetic)', () => {
  it('gives the consensus test’s figures: 400 uptime, work capped at 2.5% of 100 MESH, 200 over three reports', () => {
    const r = epochRewards({
      epoch: 0n,
      shares: defaultDeployParams,
      providers: [
        {
          score: 9500,
          stake: parseEther('1500'),
          work: parseEther('100'),
          burned: parseEther('5'),
          penalized: false,
        },
      ],
      reportWeights: [parseEther('1000'), parseEther('1000'), parseEther('1000')],
    })
    assert.deepEqual(r.providers, [{ availability: parseEther('400'), work: parseEther('2.5') }])
    assert.deepEqual(r.validators, Array(3).fill(parseEther('200') / 3n))
    assert.equal(r.emission, parseEther('1000'))
  })

  it('never pays more than the epoch’s emission, halves it, and pays nothing below the floor or to a penalized worker', () => {
    const providers = Array.from({ length: 50 }, (_, i) => ({
      score: 7000 + i * 80,
      stake: parseEther(String(1000 + i * 37)),
      work: parseEther(String(i * 3)),
      burned: parseEther(String(i * 0.15)),
      penalized: i % 7 === 0,
    }))
    for (const epoch of [0n, 8760n]) {
      const r = epochRewards({ epoch, shares: defaultDeployParams, providers, reportWeights: [1n, 2n, 3n] })
      const total = [...r.providers.map((p) => p.availability + p.work), ...r.validators].reduce(
        (a, b) => a + b,
        0n,
      )
      assert.ok(total <= r.emission)
      assert.equal(r.emission, epoch === 0n ? parseEther('1000') : parseEther('500'))
      for (const [i, p] of r.providers.entries()) {
        const src = providers[i] as (typeof providers)[number]
        if (src.score < 8000) assert.deepEqual(p, { availability: 0n, work: 0n })
        if (src.penalized) assert.equal(p.work, 0n)
        assert.ok(p.work <= src.burned)
      }
    }
  })
})
