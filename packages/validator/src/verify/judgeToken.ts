import type { Token } from 'node-llama-cpp'
import type { NextTokenLogits } from './nextTokenLogits.js'
import { type DecodingRule, samplingDistribution } from './samplingDistribution.js'
import type { VerifyTolerances } from './tolerances.js'

/** The verdict on one token the provider claims to have produced. */
export type TokenJudgement = {
  /** `match`: what an honest decoder does; `near-tie`: excused (see the tolerances); `mismatch`: not excused. */
  outcome: 'match' | 'near-tie' | 'mismatch'
  /** The token's probability: greedy, the model's (temperature 1); sampled, the sampler's. */
  probability: number
  /**
   * Sampled decoding: ln(r(token) / q(token)) for two alternative distributions r (uniform over the
   * nucleus; q flattened to √q), the factors of the likelihood-ratio test martingales. 0 otherwise.
   */
  evidence: { uniform: number; flattened: number }
}

const noEvidence = { uniform: 0, flattened: 0 }

/**
 * Judges one teacher-forced token against the validator's next-token logits. Greedy: it must be the
 * argmax, or within `nearTieLogitGap` of it (a near-tie, excused). Sampled: it must be inside the
 * top-p nucleus (or outside by at most `nucleusSlack` of mass, excused) with a probability of at least
 * `probabilityFloor` after temperature.
 */
export function judgeToken(
  dist: NextTokenLogits,
  token: Token,
  rule: DecodingRule,
  tolerances: VerifyTolerances,
): TokenJudgement {
  const rank = dist.rank.get(token)
  if (rank === undefined) return { outcome: 'mismatch', probability: 0, evidence: noEvidence }
  const top = dist.logits[0] as number
  const logit = dist.logits[rank] as number
  if (rule.kind === 'greedy') {
    let sum = 0
    for (const value of dist.logits) sum += Math.exp(value - top)
    const probability = Math.exp(logit - top) / sum
    const gap = top - logit
    const outcome = gap === 0 ? 'match' : gap <= tolerances.nearTieLogitGap ? 'near-tie' : 'mismatch'
    return { outcome, probability, evidence: noEvidence }
  }
  const sampler = samplingDistribution(dist, rule)
  if (rank >= sampler.nucleus) {
    const weight = sampler.weights[rank] as number
    const probability = weight / (sampler.weightSum + weight)
    const excused =
      (sampler.massAbove[rank] as number) < rule.topP + tolerances.nucleusSlack &&
      probability >= tolerances.probabilityFloor
    return { outcome: excused ? 'near-tie' : 'mismatch', probability, evidence: noEvidence }
  }
  const probability = sampler.q[rank] as number
  if (probability < tolerances.probabilityFloor)
    return { outcome: 'mismatch', probability, evidence: noEvidence }
  let rootSum = 0
  for (let i = 0; i < sampler.nucleus; i++) rootSum += Math.sqrt(sampler.q[i] as number)
  return {
    outcome: 'match',
    probability,
    evidence: {
      uniform: -Math.log(sampler.nucleus) - Math.log(probability),
      flattened: -0.5 * Math.log(probability) - Math.log(rootSum),
    },
  }
}
