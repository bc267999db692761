/**
 * How strict the verifier is. The defaults are documented with their reasons in the package README
 * ("Rules and tolerances"); every figure here is a parameter so a network can tune it.
 */
export type VerifyTolerances = {
  /**
   * ε, greedy decoding: a token that is not the validator's argmax is excused as a near-tie when its
   * logit is at most this far below the top logit (a log-probability gap, so it means the same for a
   * flat or a peaked distribution). Default 0.1 nats (the token is at least 90% as likely as the top).
   */
  nearTieLogitGap: number
  /**
   * Sampled decoding: a token whose probability (after temperature and top-p, as the provider's sampler
   * saw it) is below this floor is a mismatch. Default 1e-5.
   */
  probabilityFloor: number
  /** Sampled decoding with top-p < 1: a token just outside the nucleus by at most this much mass is excused. Default 0.01. */
  nucleusSlack: number
  /** Unexcused mismatches allowed as drift (never a breach): at most `max(driftAllowance, driftFraction × checked)`. */
  driftFraction: number
  /** See `driftFraction`. Default 2 tokens. */
  driftAllowance: number
  /**
   * Sampled decoding: the likelihood-ratio statistic (a test martingale, see the README) at or above which
   * the tokens are judged not sampled from the model: a breach. Under honest sampling the chance of
   * reaching it is at most 1/breachEvidence (Ville's inequality). Default 1e6.
   */
  breachEvidence: number
  /** Sampled decoding: the statistic at or above which the answer is flagged as drift. Default 1e3. */
  driftEvidence: number
}

/** The default tolerances (see `VerifyTolerances`). */
export const defaultTolerances: VerifyTolerances = {
  nearTieLogitGap: 0.1,
  probabilityFloor: 1e-5,
  nucleusSlack: 0.01,
  driftFraction: 0.05,
  driftAllowance: 2,
  breachEvidence: 1e6,
  driftEvidence: 1e3,
}
