import type { VerifyTolerances } from './tolerances.js'

/** What the token checks found, before the verdict. */
export type VerifyTally = {
  checkedTokens: number
  mismatches: number
  nearTies: number
  /** ln of the sampled-decoding likelihood-ratio statistic (0 for greedy). */
  logEvidence: number
  /** Clear breaches found on the way (wrong counts, truncation, a response longer than the context…). */
  breaches: string[]
}

/** The verdict and the human-readable reasons for it. */
export type Verdict = { verdict: 'pass' | 'drift' | 'breach'; reasons: string[] }

/**
 * Turns a tally into a verdict: `breach` for any clear breach, more unexcused mismatches than
 * `max(driftAllowance, driftFraction × checked)` or at least 2 making up over half of the checked tokens,
 * or sampled-decoding evidence at or above
 * `breachEvidence`; `drift` (a reputation signal, never a slash) for fewer mismatches or evidence at or
 * above `driftEvidence`; otherwise `pass`.
 */
export function decideVerdict(tally: VerifyTally, tolerances: VerifyTolerances, greedy: boolean): Verdict {
  const reasons = [...tally.breaches]
  const allowed = Math.max(
    tolerances.driftAllowance,
    Math.floor(tolerances.driftFraction * tally.checkedTokens),
  )
  const what = greedy ? 'are not the greedy choice' : 'are outside what the sampler could draw'
  const mismatchText = `${tally.mismatches} of ${tally.checkedTokens} checked tokens ${what} (drift allows ${allowed})`
  let breach = reasons.length > 0
  let drift = false
  // Honest drift flips isolated tokens; an answer mostly unlike the model is a breach even when it is short.
  const mostly = tally.mismatches >= 2 && tally.mismatches * 2 > tally.checkedTokens
  if (tally.mismatches > allowed || mostly) {
    breach = true
    reasons.push(mismatchText)
  } else if (tally.mismatches > 0) {
    drift = true
    reasons.push(mismatchText)
  }
  const evidence = Math.exp(tally.logEvidence)
  const evidenceText = (limit: number) =>
    `the tokens are less likely under the model than sampling from it gives: likelihood ratio ${evidence.toPrecision(3)} ≥ ${limit}`
  if (tally.logEvidence >= Math.log(tolerances.breachEvidence)) {
    breach = true
    reasons.push(evidenceText(tolerances.breachEvidence))
  } else if (tally.logEvidence >= Math.log(tolerances.driftEvidence)) {
    drift = true
    reasons.push(evidenceText(tolerances.driftEvidence))
  }
  return { verdict: breach ? 'breach' : drift ? 'drift' : 'pass', reasons }
}
