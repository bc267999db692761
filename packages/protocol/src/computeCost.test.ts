import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeCost } from './computeCost.js'

describe('computeCost', () => {
  it('charges exactly the price when the tokens make whole millions', () => {
    assert.equal(
      computeCost({
        inputTokens: 1_000_000n,
        outputTokens: 2_000_000n,
        pricePerMInput: 7n,
        pricePerMOutput: 11n,
      }),
      29n,
    )
  })

  it('rounds a fraction of a wei up, never down', () => {
    assert.equal(
      computeCost({ inputTokens: 1n, outputTokens: 0n, pricePerMInput: 1n, pricePerMOutput: 0n }),
      1n,
    )
    assert.equal(
      computeCost({ inputTokens: 1_000_001n, outputTokens: 0n, pricePerMInput: 7n, pricePerMOutput: 0n }),
      8n,
    )
    assert.equal(
      computeCost({ inputTokens: 999_999n, outputTokens: 1n, pricePerMInput: 1n, pricePerMOutput: 1n }),
      1n,
    )
  })

  it('is zero for no tokens or a free offer', () => {
    const free = { pricePerMInput: 0n, pricePerMOutput: 0n }
    assert.equal(computeCost({ inputTokens: 500n, outputTokens: 9000n, ...free }), 0n)
    assert.equal(
      computeCost({ inputTokens: 0n, outputTokens: 0n, pricePerMInput: 5n, pricePerMOutput: 5n }),
      0n,
    )
  })

  it('prices a realistic chat in MESH wei exactly', () => {
    // 12 prompt tokens at 0.1 MESH/M and 30 completion tokens at 0.2 MESH/M: 0.0000072 MESH.
    const cost = computeCost({
      inputTokens: 12n,
      outputTokens: 30n,
      pricePerMInput: 10n ** 17n,
      pricePerMOutput: 2n * 10n ** 17n,
    })
    assert.equal(cost, 7_200_000_000_000n)
  })

  it('stays exact at the largest on-chain values (uint64 tokens, uint128 prices)', () => {
    const inputTokens = 2n ** 64n - 1n
    const outputTokens = 2n ** 64n - 1n
    const price = 2n ** 128n - 1n
    const cost = computeCost({ inputTokens, outputTokens, pricePerMInput: price, pricePerMOutput: price })
    const total = 2n * (2n ** 64n - 1n) * (2n ** 128n - 1n)
    // The smallest amount whose millionths cover the total (checked independently with Python).
    assert.ok(cost * 1_000_000n >= total)
    assert.ok((cost - 1n) * 1_000_000n < total)
    assert.equal(cost, 12554203470773361526991014112573455905241068185917114n)
  })

  it('refuses negative numbers with a message naming the field', () => {
    assert.throws(
      () => computeCost({ inputTokens: 1n, outputTokens: -2n, pricePerMInput: 1n, pricePerMOutput: 1n }),
      { name: 'InferMeshProtocolError', message: 'computeCost: outputTokens must not be negative (got -2).' },
    )
  })
})
