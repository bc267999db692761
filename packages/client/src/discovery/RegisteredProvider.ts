import type { Address, Hex } from 'viem'

/** One price offer of a provider, as the Registry holds it (MESH wei per 1M tokens). */
export type RegisteredOffer = { pricePerMInput: bigint; pricePerMOutput: bigint }

/** An active provider as the Registry describes it. */
export type RegisteredProvider = {
  address: Address
  /** The endpoint without trailing slashes. */
  endpoint: string
  region: string
  stake: bigint
  /** Offers by model id, in lower case. */
  offers: Map<Hex, RegisteredOffer>
}
