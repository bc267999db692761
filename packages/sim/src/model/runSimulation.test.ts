import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { verifierRates } from '../verify/verifierRates.js'
import { runSimulation } from './runSimulation.js'
import { defaultSimParams } from './simParams.js'

describe('runSimulation (the fast model)', () => {
  const params = defaultSimParams({ providers: 300, requestsPerEpoch: 3000, epochs: 4, seed: 99 })
  const rates = verifierRates({
    seed: 1,
    tolerances: params.tolerances,
    lengths: params.lengths,
    honestTrials: 8,
    cheatTrials: 4,
    embeddingsCheck: false,
    hardware: ['same-kernels', 'cpu-quantized'],
  })

  it('is deterministic for a seed and different for another', () => {
    const a = runSimulation(params, rates)
    const b = runSimulation(params, rates)
    const c = runSimulation({ ...params, seed: 100 }, rates)
    assert.deepEqual(a.epochs, b.epochs)
    assert.deepEqual(a.providers.profit, b.providers.profit)
    assert.notDeepEqual(a.epochs, c.epochs)
  })

  it('balances every epoch to the wei: paid = burned + royalties + providers; minted within the emission', () => {
    const r = runSimulation(params, rates)
    for (const e of r.epochs) {
      assert.equal(e.paid, e.burned + e.royalties + e.toProviders)
      assert.ok(e.minted <= e.emission)
      assert.ok(e.challengerRewards <= e.slashed)
      assert.ok(e.toVerificationFees * 10_000n <= e.burned * params.deploy.verificationShareBps)
    }
    assert.ok(r.epochs.some((e) => e.cheated > 0 && e.sampled > 0))
  })

  it('samples nothing and slashes nobody when p = 0 and there are no probes', () => {
    const r = runSimulation({ ...params, p: 0, probeShare: 0 }, rates)
    assert.equal(
      r.epochs.reduce((a, e) => a + e.sampled + e.guilty, 0),
      0,
    )
  })
})
