import type { Address, Hex } from 'viem'

/** One channel's billed state, as the payer's ledger lists it. */
export type PayerChannel = { provider: Address; modelId: Hex; billed: bigint }

/**
 * What a payer persists per channel (payer, provider, model) — the payer is fixed per ledger, so a
 * channel is (provider, model): the total billed by verified receipts (the next voucher's cumulative,
 * which only grows) and the abort allowance (the worst-case cost of requests aborted before their
 * receipt was read, up to which a provider's claim that more is owed is accepted).
 *
 * Implementations must make `addBilled`, `addAbortAllowance` and `resync` atomic, so several payer
 * processes may share one ledger (one PostgreSQL behind several gateways).
 */
export type PayerLedger = {
  /** What verified receipts say is owed on the channel: the voucher to sign. 0 for a new channel. */
  billed(provider: Address, modelId: Hex): Promise<bigint>
  /** Adds a verified receipt's cost to the channel, atomically; returns the new total. */
  addBilled(provider: Address, modelId: Hex, cost: bigint): Promise<bigint>
  /**
   * Remembers the worst-case cost of a request aborted before its receipt arrived; the channel's
   * allowance never exceeds `cap` when one is given.
   */
  addAbortAllowance(provider: Address, modelId: Hex, amount: bigint, cap?: bigint): Promise<void>
  /**
   * Accepts a provider's claim that `owed` is owed (receipts of aborted requests never read), up to
   * the allowance those aborts created, and spends that much allowance. Returns the billed total after
   * the call, or undefined when the claim exceeds billed + allowance (nothing changes then).
   */
  resync(provider: Address, modelId: Hex, owed: bigint): Promise<bigint | undefined>
  /**
   * Every channel with `provider` and what the payer may owe on it: billed + abort allowance (a
   * voucher_stale claim can raise billed by the allowance).
   */
  outstanding(provider: Address): Promise<{ modelId: Hex; owed: bigint }[]>
  /** Every channel with billed work. */
  channels(): Promise<PayerChannel[]>
  /** Writes what is still pending (a write-behind ledger's journal) and lets go of it. */
  close?(): Promise<void>
}
