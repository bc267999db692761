/**
 * What flushing `amount` of booked burn does (Payments' `_flush`): `verificationShareBps` of it (rounded
 * down) funds VerificationFees' pool for committee votes, the rest is burned.
 */
export function splitFlush(amount: bigint, verificationShareBps: bigint): { toFees: bigint; burned: bigint } {
  const toFees = (amount * verificationShareBps) / 10_000n
  return { toFees, burned: amount - toFees }
}
