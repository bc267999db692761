import type { Address, Hex } from 'viem'

/**
 * One provider's offer of one model, as discovery hands it to routing: prices from the Registry, the
 * model id the customer's name resolved to, and the name this provider serves it under. No routing
 * statistics: those belong to whoever routes.
 */
export type Offer = {
  provider: Address
  endpoint: string
  region: string
  /** The on-chain model id, in lower case. */
  modelId: Hex
  /** The provider's own name for the model (what it expects in `model`), from its last probe. */
  providerModelName: string
  /** MESH wei per 1M input tokens. */
  pricePerMInput: bigint
  /** MESH wei per 1M output tokens. */
  pricePerMOutput: bigint
  stake: bigint
}

/** A model as the network lists it: its registered name and id, and the offers' price range. */
export type NetworkModel = {
  /** The name the ModelRegistry gives the id. */
  name: string
  modelId: Hex
  providers: number
  pricePerMInput: { min: bigint; max: bigint }
  pricePerMOutput: { min: bigint; max: bigint }
}
