import type { Address, Hex } from 'viem'

/**
 * One of the provider's payment channels (payer, model):
 * - `owed`: cumulative cost of completed work (the sum of all receipts' costs);
 * - `voucher`: the highest cumulative the payer has signed, with its signature (redeemable);
 * - `redeemed`: what the Payments contract has paid on the channel so far.
 */
export type Channel = {
  payer: Address
  modelId: Hex
  owed: bigint
  voucher: bigint
  signature: Hex | null
  redeemed: bigint
}

/** A billed request, as the ledger records it beside the channel's new cumulative. */
export type ReceiptRecord = {
  payer: Address
  modelId: Hex
  requestHash: Hex
  responseHash: Hex
  inputTokens: bigint
  outputTokens: bigint
  cost: bigint
}

/**
 * What the recipient side of post-pay (the payment gate, the provider's billing and the settler) needs
 * from storage. Addresses are kept checksummed and model ids lower-case, so lookups need no
 * normalisation. Writes are durable in the order they were made: a receipt's cost is added to `owed` in
 * the same atomic step that records the receipt, and once a write has resolved, every write made before
 * it is durable too, so a receipt answered after its request's voucher was saved implies that voucher is
 * kept. `createSqlChannelLedger` is the implementation (PGlite or PostgreSQL).
 */
export type ChannelLedger = {
  /** The channel, or an empty one when the payer never came for this model. */
  get(payer: Address, modelId: Hex): Promise<Channel>
  /**
   * Across the payer's channels: `unpaid`, completed work not covered by vouchers (Σ max(owed − voucher,
   * 0)), and `exposure`, what the payer owes that the chain has not paid (Σ max(owed, voucher) − redeemed).
   */
  payerTotals(payer: Address): Promise<{ unpaid: bigint; exposure: bigint }>
  /** `payerTotals(payer).unpaid`. */
  unpaid(payer: Address): Promise<bigint>
  /** `payerTotals(payer).exposure`. */
  exposure(payer: Address): Promise<bigint>
  /**
   * Stores a voucher when it raises the channel's highest; returns the channel after. The caller has
   * checked the signature. Never lowers the stored voucher. A voucher above `owed` is adopted: the payer
   * acknowledges that much work. Reads see it as soon as this is called; the promise resolves once it is
   * durable (no later than any write made after it).
   */
  saveVoucher(payer: Address, modelId: Hex, cumulative: bigint, signature: Hex): Promise<Channel>
  /**
   * Adds a completed request's cost to the channel and records its receipt, atomically. `sign`
   * receives the new cumulative and returns the receipt signature.
   */
  addReceipt(
    record: ReceiptRecord,
    sign: (cumulative: bigint) => Promise<Hex>,
  ): Promise<{ cumulative: bigint; signature: Hex }>
  /**
   * Channels holding a voucher above what was redeemed by more than `minAmount`, largest first, at most
   * `limit` (what the voucher says, not what the payer's allocation can pay: the settler reads that).
   */
  redeemable(limit: number, minAmount?: bigint): Promise<Channel[]>
  /**
   * Forgets a voucher the chain refused (RedeemSkipped with InvalidSignature): the channel keeps what it
   * is owed, its voucher falls back to what was redeemed. Only the voucher `cumulative` is dropped (a
   * newer one stays).
   */
  dropVoucher(payer: Address, modelId: Hex, cumulative: bigint): Promise<void>
  /** Records what the chain has paid on a channel (never lowers it). */
  setRedeemed(payer: Address, modelId: Hex, paid: bigint): Promise<void>
  /** Payers with channels (for watching their withdrawals and releases). */
  payers(): Promise<Address[]>
  /** Totals for metrics and status: owed, signed, redeemed, receipts served. */
  totals(): Promise<{ owed: bigint; vouchers: bigint; redeemed: bigint; receipts: number }>
  /** Commits what is queued and lets go of the ledger's resources (a write-behind journal). */
  close?(): Promise<void>
}
