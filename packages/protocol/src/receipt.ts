import type { Address, Hex } from 'viem'

/**
 * What a provider signs after serving one request (receipt v2, PROTOCOL.md §5): proof of the work it
 * did and of what the payer owes on the channel (payer, provider, model) now. Validators and dispute
 * committees check the work against it; the gateway signs its next voucher for `cumulativeAmount`.
 * Field order is the EIP-712 type's (`receiptTypes`) and the Solidity struct's.
 */
export type Receipt = {
  /**
   * `hashRequest(kind, body)`: keccak256 of the canonical JSON of `{ kind, body }`, the endpoint served
   * and the OpenAI request body.
   */
  requestHash: Hex
  /** `hashResponse(text)`: keccak256 of the UTF-8 bytes of the generated content. */
  responseHash: Hex
  /**
   * `hashTokenIds(ids)`: keccak256 of the generated token ids as big-endian uint32s (`emptyTokensHash`
   * for none); `bytes32(0)` when the backend cannot report token ids.
   */
  tokensHash: Hex
  /** The model that served the request: sha256 of its weights file, or a registered name's id. */
  modelId: Hex
  payer: Address
  provider: Address
  /** Prompt tokens as the model tokenized them (uint64). */
  inputTokens: bigint
  /** Generated tokens (uint64). */
  outputTokens: bigint
  /** Unix time in seconds when the provider finished the answer (uint64). */
  servedAt: bigint
  /** What this request costs, in MESH wei: `computeCost(...)`. */
  cost: bigint
  /** Everything owed on the channel including this request, in MESH wei: the payer's next voucher. */
  cumulativeAmount: bigint
}
