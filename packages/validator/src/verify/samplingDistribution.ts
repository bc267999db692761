import type { NextTokenLogits } from './nextTokenLogits.js'

/** How the provider decoded: greedy (temperature 0) or sampling with temperature and top-p. */
export type DecodingRule = { kind: 'greedy' } | { kind: 'sampled'; temperature: number; topP: number }

/** The distribution a sampling provider drew from at one position (indices follow `NextTokenLogits`). */
export type SamplingDistribution = {
  /** Probability of each token after top-p then temperature (0 outside the nucleus). */
  q: Float64Array
  /** Tokens `0 … nucleus-1` (by rank) are in the top-p nucleus. */
  nucleus: number
  /** Probability mass at temperature 1 of the tokens ranked above each token. */
  massAbove: Float64Array
  /** exp-weights at the provider's temperature, to renormalise when a slack token is excused. */
  weights: Float64Array
  weightSum: number
}

/**
 * The distribution node-llama-cpp's sampler draws from: llama.cpp's chain applies top-p to the
 * temperature-1 probabilities first (keeping tokens until their mass reaches top-p, at least one), then
 * divides the kept logits by the temperature; top-k is off (the provider sends 0) and min-p is 0.
 */
export function samplingDistribution(
  dist: NextTokenLogits,
  rule: { temperature: number; topP: number },
): SamplingDistribution {
  const { logits } = dist
  const n = logits.length
  const max = logits[0] ?? 0
  const p1 = new Float64Array(n)
  let sum1 = 0
  for (let i = 0; i < n; i++) {
    p1[i] = Math.exp((logits[i] as number) - max)
    sum1 += p1[i] as number
  }
  const massAbove = new Float64Array(n)
  let cumulative = 0
  let nucleus = n
  for (let i = 0; i < n; i++) {
    massAbove[i] = cumulative
    cumulative += (p1[i] as number) / sum1
    if (nucleus === n && rule.topP < 1 && cumulative >= rule.topP) nucleus = i + 1
  }
  const weights = new Float64Array(n)
  let weightSum = 0
  for (let i = 0; i < n; i++) {
    weights[i] = Math.exp(((logits[i] as number) - max) / rule.temperature)
    if (i < nucleus) weightSum += weights[i] as number
  }
  const q = new Float64Array(n)
  for (let i = 0; i < nucleus; i++) q[i] = (weights[i] as number) / weightSum
  return { q, nucleus, massAbove, weights, weightSum }
}
