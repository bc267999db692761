/** A scenario small enough to play on a real chain: one epoch of work, two disputes, its emissions. */
export type ReplayTrace = {
  /** Providers' stakes and prices (MESH wei per 1M input / output tokens). */
  providers: { stake: bigint; pricePerMInput: bigint; pricePerMOutput: bigint; score: number }[]
  /** Validators' stakes; the last one is the challenger the payer's samples name. */
  validators: bigint[]
  /** The model's royalty rate (basis points). */
  royaltyBps: number
  /** Completed requests in order: each raises its provider's voucher by computeCost. */
  requests: { provider: number; inputTokens: bigint; outputTokens: bigint }[]
  /** Disputes opened (in the same epoch) against providers; the committee votes `guilty`. */
  disputes: { provider: number; guilty: boolean }[]
}

/** Money of a trace per account, as the fast model computes it and as the chain moved it. */
export type TraceFlows = {
  providers: { paid: bigint; toProvider: bigint; slashed: bigint; emission: bigint }[]
  /** Each validator's token balance change from the first dispute to the last claim. */
  validators: bigint[]
  royaltiesOwed: bigint
  /** What the flushed burn sent to VerificationFees. */
  verificationFees: bigint
  /** Total supply after − before (minted − burned). */
  supplyDelta: bigint
}
