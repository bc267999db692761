import type { Address, Hex } from 'viem'
import type { NetworkModel, Offer } from './Offer.js'
import type { RegisteredProvider } from './RegisteredProvider.js'

/** A provider as the index reads it: its Registry record and its own names for the ids it serves. */
export type IndexedProvider = RegisteredProvider & {
  /** Model id (lower case) → the provider's name for it, from its last usable probe. */
  aliases: Map<Hex, string>
  /** The provider's offers as built last time, reused until its record or aliases change. */
  built?: Offer[] | undefined
}

/** Offers by model id, registered names → ids, and the listing of named models. */
export type OfferIndex = {
  byModelId: Map<Hex, Offer[]>
  byName: Map<string, Hex>
  models: NetworkModel[]
}

/**
 * Builds the routing index. A provider's offer of model id X is indexed under X when the Registry holds
 * the offer AND the provider's own `/v1/models` lists X (so it can serve it); its own name for X is
 * only the name it expects in requests. Customer-facing names come from `modelNames` (the
 * ModelRegistry: id → registered name), never from providers, so a provider calling its junk model
 * `tiny` gets no traffic for `tiny`. Each provider is indexed on its own: one that cannot be indexed is
 * reported to `onError` and left out, and the rest of the index is built.
 *
 * @example
 * ```ts
 * const index = buildOfferIndex(providers.values(), modelNames, (provider, error) => log.warn({ provider, err: error.message }))
 * const offers = index.byModelId.get(index.byName.get('tiny') ?? '0x')
 * ```
 */
export function buildOfferIndex(
  providers: Iterable<IndexedProvider>,
  modelNames: ReadonlyMap<Hex, string>,
  onError: (provider: Address, error: Error) => void = () => {},
): OfferIndex {
  const byModelId = new Map<Hex, Offer[]>()
  for (const provider of providers) {
    try {
      provider.built ??= offersOf(provider)
      for (const offer of provider.built) {
        const list = byModelId.get(offer.modelId)
        if (list) list.push(offer)
        else byModelId.set(offer.modelId, [offer])
      }
    } catch (error) {
      provider.built = undefined
      onError(provider.address, error as Error)
    }
  }
  const byName = new Map<string, Hex>()
  const models: NetworkModel[] = []
  for (const [modelId, name] of modelNames) {
    const offers = byModelId.get(modelId)
    if (!offers || byName.has(name)) continue
    byName.set(name, modelId)
    const first = offers[0] as Offer
    const model: NetworkModel = {
      name,
      modelId,
      providers: offers.length,
      pricePerMInput: { min: first.pricePerMInput, max: first.pricePerMInput },
      pricePerMOutput: { min: first.pricePerMOutput, max: first.pricePerMOutput },
    }
    for (const offer of offers) {
      if (offer.pricePerMInput < model.pricePerMInput.min) model.pricePerMInput.min = offer.pricePerMInput
      if (offer.pricePerMInput > model.pricePerMInput.max) model.pricePerMInput.max = offer.pricePerMInput
      if (offer.pricePerMOutput < model.pricePerMOutput.min) model.pricePerMOutput.min = offer.pricePerMOutput
      if (offer.pricePerMOutput > model.pricePerMOutput.max) model.pricePerMOutput.max = offer.pricePerMOutput
    }
    models.push(model)
  }
  models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { byModelId, byName, models }
}

function offersOf(provider: IndexedProvider): Offer[] {
  const offers: Offer[] = []
  for (const [modelId, price] of provider.offers) {
    const alias = provider.aliases.get(modelId)
    if (alias === undefined) continue
    offers.push({
      provider: provider.address,
      endpoint: provider.endpoint,
      region: provider.region,
      modelId,
      providerModelName: alias,
      pricePerMInput: price.pricePerMInput,
      pricePerMOutput: price.pricePerMOutput,
      stake: provider.stake,
    })
  }
  return offers
}
