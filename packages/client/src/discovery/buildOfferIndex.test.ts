import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Address, Hex } from 'viem'
import { buildOfferIndex, type IndexedProvider } from './buildOfferIndex.js'

const tiny = `0x${'aa'.repeat(32)}` as Hex
const junk = `0x${'bb'.repeat(32)}` as Hex
const other = `0x${'cc'.repeat(32)}` as Hex
const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address

function provider(n: number, offers: [Hex, bigint][], aliases: [Hex, string][]): IndexedProvider {
  return {
    address: address(n),
    endpoint: `http://p${n}.example`,
    region: 'eu',
    stake: 1000n,
    offers: new Map(
      offers.map(([id, price]) => [id, { pricePerMInput: price, pricePerMOutput: 2n * price }]),
    ),
    aliases: new Map(aliases),
  }
}

describe('buildOfferIndex', () => {
  it('indexes an offer under its id when the Registry holds it and the provider lists it', () => {
    const index = buildOfferIndex(
      [
        provider(1, [[tiny, 10n]], [[tiny, 'tiny-q4']]),
        provider(2, [[tiny, 20n]], []), // offers tiny on-chain but does not serve it
        provider(3, [], [[tiny, 'tiny']]), // serves it but offers nothing on-chain
      ],
      new Map([[tiny, 'tiny']]),
    )
    assert.deepEqual(
      index.byModelId
        .get(tiny)
        ?.map((offer) => [offer.provider, offer.providerModelName, offer.pricePerMOutput]),
      [[address(1), 'tiny-q4', 20n]],
    )
    assert.equal(index.byName.get('tiny'), tiny)
    assert.deepEqual(index.models, [
      {
        name: 'tiny',
        modelId: tiny,
        providers: 1,
        pricePerMInput: { min: 10n, max: 10n },
        pricePerMOutput: { min: 20n, max: 20n },
      },
    ])
  })

  it('takes customer-facing names from the ModelRegistry only: a provider calling its junk model `tiny` is not under `tiny`', () => {
    const index = buildOfferIndex(
      [
        provider(1, [[tiny, 10n]], [[tiny, 'tiny']]),
        provider(2, [[junk, 1n]], [[junk, 'tiny']]), // the hijacker: cheaper, same name
      ],
      new Map([[tiny, 'tiny']]),
    )
    const byName = index.byModelId.get(index.byName.get('tiny') as Hex) ?? []
    assert.deepEqual(
      byName.map((offer) => offer.provider),
      [address(1)],
    )
    // The junk id is reachable by its 0x id only, and is not listed (it has no registered name).
    assert.deepEqual(
      index.byModelId.get(junk)?.map((offer) => offer.provider),
      [address(2)],
    )
    assert.deepEqual(
      index.models.map((model) => [model.name, model.modelId, model.providers]),
      [['tiny', tiny, 1]],
    )
  })

  it('lists each registered, offered model with its price range, sorted by name', () => {
    const index = buildOfferIndex(
      [
        provider(
          1,
          [
            [tiny, 10n],
            [other, 5n],
          ],
          [
            [tiny, 't'],
            [other, 'o'],
          ],
        ),
        provider(2, [[tiny, 30n]], [[tiny, 'tiny']]),
      ],
      new Map([
        [tiny, 'tiny'],
        [other, 'another'],
        [junk, 'junk'], // registered but offered by nobody: not listed
      ]),
    )
    assert.deepEqual(
      index.models.map((model) => [model.name, model.providers, model.pricePerMInput, model.pricePerMOutput]),
      [
        ['another', 1, { min: 5n, max: 5n }, { min: 10n, max: 10n }],
        ['tiny', 2, { min: 10n, max: 30n }, { min: 20n, max: 60n }],
      ],
    )
  })

  it('leaves out a provider whose record cannot be read and indexes everyone else', () => {
    const broken = provider(2, [[tiny, 10n]], [[tiny, 'tiny']])
    // A record broken in a way no check foresaw: reading its offers throws.
    Object.defineProperty(broken, 'offers', {
      get() {
        throw new Error('corrupt record')
      },
    })
    const errors: string[] = []
    const index = buildOfferIndex(
      [provider(1, [[tiny, 10n]], [[tiny, 'tiny']]), broken, provider(3, [[tiny, 12n]], [[tiny, 'tiny']])],
      new Map([[tiny, 'tiny']]),
      (who, error) => errors.push(`${who}: ${error.message}`),
    )
    assert.deepEqual(
      index.byModelId.get(tiny)?.map((offer) => offer.provider),
      [address(1), address(3)],
    )
    assert.deepEqual(errors, [`${address(2)}: corrupt record`])
  })

  it('reuses a provider’s offers until its record or names change', () => {
    const one = provider(1, [[tiny, 10n]], [[tiny, 'tiny']])
    const first = buildOfferIndex([one], new Map([[tiny, 'tiny']])).byModelId.get(tiny)?.[0]
    const second = buildOfferIndex([one], new Map([[tiny, 'tiny']])).byModelId.get(tiny)?.[0]
    assert.equal(first, second)
    one.built = undefined
    one.aliases = new Map([[tiny, 'renamed']])
    const third = buildOfferIndex([one], new Map([[tiny, 'tiny']])).byModelId.get(tiny)?.[0]
    assert.equal(third?.providerModelName, 'renamed')
  })
})
