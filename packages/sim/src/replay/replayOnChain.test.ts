import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { replayOnChain } from './replayOnChain.js'
import { sampleTrace } from './sampleTrace.js'
import { traceFlows } from './traceFlows.js'

/**
 * The fast model's money against the real contracts on anvil, on the same trace: redemptions (burn,
 * royalty, provider share), the flush's verification share, a guilty and an innocent dispute (slash,
 * challenger reward, bond to the innocent voters, burns) and the epoch's emissions, to the wei.
 */
describe('on-chain replay: the fast model’s money flows equal the chain’s', () => {
  it('matches every account and the supply to the wei', async () => {
    const trace = sampleTrace(14)
    const { flows: chain, epoch, params } = await replayOnChain(trace)
    const model = traceFlows(trace, params, epoch)
    assert.deepEqual(model, chain)
    // Money actually moved: every provider was paid, one was slashed, emissions were minted.
    assert.ok(chain.providers.every((p) => p.paid > 0n && p.toProvider > 0n && p.emission > 0n))
    assert.ok((chain.providers[0]?.slashed ?? 0n) > 0n)
    assert.equal(chain.providers[1]?.slashed, 0n)
    assert.ok(chain.royaltiesOwed > 0n && chain.verificationFees > 0n)
  })
})
