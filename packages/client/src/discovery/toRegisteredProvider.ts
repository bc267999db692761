import type { Address, Hex } from 'viem'
import type { RegisteredProvider } from './RegisteredProvider.js'

/** The fields of the Registry's `ProviderView` that discovery reads. */
export type ProviderViewLike = {
  provider: Address
  active: boolean
  stake: bigint
  endpoint: string
  region: string
  offers: readonly { modelId: Hex; pricePerMInput: bigint; pricePerMOutput: bigint }[]
}

/**
 * A Registry `ProviderView` as discovery keeps it, or undefined when the provider is not active
 * (unregistered, or its stake fell below the minimum).
 *
 * @example
 * ```ts
 * const entry = toRegisteredProvider(await readContract({ functionName: 'getProvider', args: [address] }))
 * ```
 */
export function toRegisteredProvider(view: ProviderViewLike): RegisteredProvider | undefined {
  if (!view.active) return undefined
  return {
    address: view.provider,
    endpoint: view.endpoint.replace(/\/+$/, ''),
    region: view.region,
    stake: view.stake,
    offers: new Map(
      view.offers.map((offer) => [
        offer.modelId.toLowerCase() as Hex,
        { pricePerMInput: offer.pricePerMInput, pricePerMOutput: offer.pricePerMOutput },
      ]),
    ),
  }
}
