import type { Token } from 'node-llama-cpp'
import type { TokenJudgement } from './judgeToken.js'
import type { NextTokenLogits } from './nextTokenLogits.js'
import { type DecodingRule, samplingDistribution } from './samplingDistribution.js'
import type { VerifyTolerances } from './tolerances.js'

/**
 * Judges a claimed end of generation (an end-of-generation or chat-template stop token, which the
 * response text does not show) at the position after the last response token. Greedy: the best end
 * token must be the argmax or a near-tie. Sampled: the end tokens' total probability after top-p and
 * temperature must reach `probabilityFloor`. A `mismatch` here means the answer was cut short.
 */
export function judgeEnd(
  dist: NextTokenLogits,
  endTokens: ReadonlySet<Token>,
  rule: DecodingRule,
  tolerances: VerifyTolerances,
): TokenJudgement {
  const noEvidence = { uniform: 0, flattened: 0 }
  const top = dist.logits[0] as number
  if (rule.kind === 'greedy') {
    let sum = 0
    for (const value of dist.logits) sum += Math.exp(value - top)
    for (let i = 0; i < dist.tokens.length; i++) {
      if (!endTokens.has(dist.tokens[i] as Token)) continue
      const gap = top - (dist.logits[i] as number)
      const outcome = gap === 0 ? 'match' : gap <= tolerances.nearTieLogitGap ? 'near-tie' : 'mismatch'
      return { outcome, probability: Math.exp(-gap) / sum, evidence: noEvidence }
    }
    return { outcome: 'mismatch', probability: 0, evidence: noEvidence }
  }
  const sampler = samplingDistribution(dist, rule)
  let mass = 0
  for (let i = 0; i < sampler.nucleus; i++)
    if (endTokens.has(dist.tokens[i] as Token)) mass += sampler.q[i] as number
  return {
    outcome: mass >= tolerances.probabilityFloor ? 'match' : 'mismatch',
    probability: mass,
    evidence: noEvidence,
  }
}
