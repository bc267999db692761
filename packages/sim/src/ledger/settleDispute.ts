/** What a resolved dispute moves, in MESH wei (Disputes' `_settle`). */
export type DisputeSettlement = {
  /** Taken from the provider's stake and unbonding stake. */
  slashed: bigint
  /** To the challenger on top of its bond back (guilty, when the payer's sample named it). */
  challengerReward: bigint
  /** Back to the challenger (guilty or void). */
  bondReturned: bigint
  /** Paid to each member who revealed "innocent" (innocent only). */
  perInnocentVoter: bigint
  /** Burned: the slash minus the reward, or the bond's rounding remainder. */
  burned: bigint
}

/**
 * The money of one dispute's outcome: guilty slashes min(slashAmount, held) where slashAmount was fixed
 * at opening as held × slashBps / 10,000, pays `challengerRewardBps` of it to an assigned challenger with
 * its bond and burns the rest; innocent splits the bond among the members who revealed "innocent"
 * (floor each) and burns the remainder; void returns the bond.
 */
export function settleDispute(params: {
  outcome: 'guilty' | 'innocent' | 'void'
  /** The provider's stake + unbonding when the dispute was opened. */
  heldAtOpen: bigint
  /** … and when it resolves. */
  heldAtResolve: bigint
  slashBps: bigint
  challengerRewardBps: bigint
  bond: bigint
  assigned: boolean
  innocentVoters: number
}): DisputeSettlement {
  const none = { slashed: 0n, challengerReward: 0n, bondReturned: 0n, perInnocentVoter: 0n, burned: 0n }
  if (params.outcome === 'void') return { ...none, bondReturned: params.bond }
  if (params.outcome === 'innocent') {
    if (params.innocentVoters < 1) throw new RangeError('settleDispute: an innocent verdict has voters.')
    const share = params.bond / BigInt(params.innocentVoters)
    return { ...none, perInnocentVoter: share, burned: params.bond - share * BigInt(params.innocentVoters) }
  }
  const slashAmount = (params.heldAtOpen * params.slashBps) / 10_000n
  const slashed = slashAmount < params.heldAtResolve ? slashAmount : params.heldAtResolve
  const reward = params.assigned ? (slashed * params.challengerRewardBps) / 10_000n : 0n
  return { ...none, slashed, challengerReward: reward, bondReturned: params.bond, burned: slashed - reward }
}
