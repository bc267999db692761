import type { Address, Hex } from 'viem'

/** What the payer owes a provider for a model, cumulatively, on one channel. */
export type Voucher = {
  payer: Address
  provider: Address
  /** sha256 of the model's weights file, or a registered name's id. */
  modelId: Hex
  /** Everything owed on the channel so far, in MESH wei; never decreases. */
  cumulativeAmount: bigint
}
