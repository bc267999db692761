import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { GatewayError } from '../errors.js'
import { rankProviders } from './rankProviders.js'
import type { Candidate } from './types.js'

function candidate(
  i: number,
  overrides: Partial<Omit<Candidate, 'stats'>> & { stats?: Partial<Candidate['stats']> } = {},
): Candidate {
  const provider = `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`
  const pricePerMInput = overrides.pricePerMInput ?? BigInt(1000 + i) * 10n ** 18n
  const pricePerMOutput = overrides.pricePerMOutput ?? BigInt(2000 + i) * 10n ** 18n
  const stake = overrides.stake ?? 1000n * 10n ** 18n
  return {
    provider,
    endpoint: `http://127.0.0.1:${9000 + i}`,
    region: 'r',
    modelId: `0x${'ab'.repeat(32)}`,
    providerModelName: 'tiny',
    pricePerMInput,
    pricePerMOutput,
    stake,
    priceScore: Number(pricePerMInput + pricePerMOutput) / 1e18,
    stakeScore: Number(stake) / 1e18,
    key: provider,
    stats: {
      latencyMs: 10,
      msPerToken: 5,
      errorRate: 0,
      inFlight: 0,
      suspendedUntil: 0,
      healthy: true,
      active: true,
      reputation: 1,
      ...overrides.stats,
    },
  }
}

const addresses = (list: Candidate[]) => list.map((c) => c.provider)

describe('rankProviders', () => {
  const three = [
    candidate(2),
    candidate(0, { stats: { latencyMs: 50 } }),
    candidate(1, { stats: { msPerToken: 1 } }),
  ]

  it('orders by price, latency or throughput when asked', () => {
    assert.deepEqual(
      addresses(rankProviders({ model: 'tiny', candidates: three, defaultSort: 'price', limit: 3 })),
      [three[1]?.provider, three[2]?.provider, three[0]?.provider],
    )
    assert.equal(
      rankProviders({ model: 'tiny', candidates: three, defaultSort: 'latency', limit: 1 })[0]?.provider,
      three[0]?.provider,
    )
    assert.equal(
      rankProviders({ model: 'tiny', candidates: three, defaultSort: 'throughput', limit: 1 })[0]?.provider,
      three[2]?.provider,
    )
  })

  it('puts the customer’s order first, honours only and ignore, and stops at one without fallbacks', () => {
    const order = [three[0]?.provider as string]
    assert.equal(
      rankProviders({
        model: 'tiny',
        candidates: three,
        defaultSort: 'price',
        limit: 3,
        preferences: { order },
      })[0]?.provider,
      order[0],
    )
    assert.deepEqual(
      addresses(
        rankProviders({
          model: 'tiny',
          candidates: three,
          defaultSort: 'price',
          limit: 3,
          preferences: { only: [three[2]?.provider as string] },
        }),
      ),
      [three[2]?.provider],
    )
    assert.ok(
      !addresses(
        rankProviders({
          model: 'tiny',
          candidates: three,
          defaultSort: 'price',
          limit: 3,
          preferences: { ignore: [three[1]?.provider.toUpperCase() as string] },
        }),
      ).includes(three[1]?.provider as `0x${string}`),
    )
    assert.equal(
      rankProviders({
        model: 'tiny',
        candidates: three,
        defaultSort: 'price',
        limit: 3,
        preferences: { allowFallbacks: false },
      }).length,
      1,
    )
  })

  it('skips unhealthy and suspended providers, and says so when none is left', () => {
    const down = [
      candidate(0, { stats: { healthy: false } }),
      candidate(1, { stats: { suspendedUntil: Date.now() + 60_000 } }),
    ]
    assert.throws(
      () => rankProviders({ model: 'tiny', candidates: down, defaultSort: 'balanced', limit: 3 }),
      {
        name: 'GatewayError',
        message:
          "No provider can serve 'tiny' for this request: of 2 offering it, 2 unhealthy or suspended after errors.",
      },
    )
  })

  it('skips providers below the uptime floor while another can serve, and says why when none is up', () => {
    const list = [candidate(0, { stats: { active: false } }), candidate(1)]
    assert.deepEqual(
      addresses(rankProviders({ model: 'tiny', candidates: list, defaultSort: 'balanced', limit: 3 })),
      [list[1]?.provider],
    )
    // Every provider below the floor but up by the gateway's own checks (validators reported while the
    // network was starting): they serve, best first, rather than a 503.
    const belowFloor = [
      candidate(0, { stats: { active: false } }),
      candidate(1, { stats: { active: false, healthy: false } }),
      candidate(2, { stats: { active: false } }),
    ]
    assert.deepEqual(
      addresses(rankProviders({ model: 'tiny', candidates: belowFloor, defaultSort: 'price', limit: 3 })),
      [belowFloor[0]?.provider, belowFloor[2]?.provider],
    )
    // Below the floor and down: nobody.
    assert.throws(
      () =>
        rankProviders({
          model: 'tiny',
          candidates: [belowFloor[1] as Candidate],
          defaultSort: 'balanced',
          limit: 3,
        }),
      {
        name: 'GatewayError',
        message:
          "No provider can serve 'tiny' for this request: of 1 offering it, 1 below the uptime floor validators reported last epoch.",
      },
    )
  })

  it('prefers the provider validators trust more, other things equal, under every sort', () => {
    const same = { pricePerMInput: 10n ** 18n, pricePerMOutput: 10n ** 18n }
    const list = [candidate(0, { ...same, stats: { reputation: 0.4 } }), candidate(1, same)]
    for (const sort of ['balanced', 'price', 'latency', 'throughput'] as const) {
      const ranked = rankProviders({ model: 'tiny', candidates: list, defaultSort: sort, limit: 2 })
      assert.equal(ranked[0]?.provider, list[1]?.provider, sort)
    }
  })

  it('explains max_price with the cheapest offer, and unknown models with 404', () => {
    assert.throws(
      () =>
        rankProviders({
          model: 'tiny',
          candidates: three,
          defaultSort: 'balanced',
          limit: 3,
          preferences: { maxPrice: { prompt: 10n ** 18n } },
        }),
      {
        message:
          "No provider can serve 'tiny' for this request: of 3 offering it, 3 above max_price (cheapest: 1000 MESH per 1M prompt tokens, 2000 per 1M completion tokens).",
      },
    )
    assert.throws(
      () => rankProviders({ model: 'nope', candidates: [], defaultSort: 'balanced', limit: 3 }),
      (error: GatewayError) => error.status === 404 && error.code === 'model_not_found',
    )
  })

  it('returns the same best providers as a full sort would, for any prices and stats', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ price: fc.integer({ min: 1, max: 5000 }), latency: fc.integer({ min: 1, max: 500 }) }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 5 }),
        (rows, limit) => {
          const list = rows.map((row, i) =>
            candidate(i, {
              pricePerMInput: BigInt(row.price) * 10n ** 18n,
              pricePerMOutput: 0n,
              stats: { latencyMs: row.latency },
            }),
          )
          const ranked = rankProviders({ model: 'tiny', candidates: list, defaultSort: 'latency', limit })
          const expected = [...list].sort((a, b) => a.stats.latencyMs - b.stats.latencyMs).slice(0, limit)
          assert.deepEqual(
            ranked.map((c) => c.stats.latencyMs),
            expected.map((c) => c.stats.latencyMs),
          )
        },
      ),
      { seed: 42, numRuns: 200 },
    )
  })
})
