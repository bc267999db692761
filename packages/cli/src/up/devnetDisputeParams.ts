import type { DeployParams } from '@infermesh/protocol'

/**
 * The devnet's dispute parameters: committees of 3 (so `up` starts 4 validators: the challenger is never
 * drawn), 60 s to commit and 60 s to reveal (the shortest the contracts allow), at most 2 rounds, and a
 * dispute window of 10 minutes or an epoch, whichever is longer: a loaded machine has taken more than
 * 90 s to re-execute one sample before its validator could open the dispute. The default unbonding period
 * (7 days) is far above the `disputeWindow + maxRounds × (commitPeriod + revealPeriod)` the contracts ask.
 */
export function devnetDisputeParams(
  epochSeconds: number,
): Pick<DeployParams, 'committeeSize' | 'commitPeriod' | 'revealPeriod' | 'disputeWindow' | 'maxRounds'> {
  return {
    committeeSize: 3n,
    commitPeriod: 60n,
    revealPeriod: 60n,
    disputeWindow: BigInt(Math.max(600, epochSeconds)),
    maxRounds: 2n,
  }
}
