import { decideVerdict, type VerifyTally } from '@infermesh/validator/verify/decideVerdict'
import { judgeEnd } from '@infermesh/validator/verify/judgeEnd'
import { judgeToken, type TokenJudgement } from '@infermesh/validator/verify/judgeToken'
import type { NextTokenLogits } from '@infermesh/validator/verify/nextTokenLogits'
import { type DecodingRule, samplingDistribution } from '@infermesh/validator/verify/samplingDistribution'
import type { VerifyTolerances } from '@infermesh/validator/verify/tolerances'
import type { Rng } from '../rng/createRng.js'
import type { CheatName } from './cheats.js'

type Token = Parameters<typeof judgeToken>[1]

/** Vocabulary of the synthetic model; token 0 ends the generation. */
const VOCAB = 32
const END = 0
const endTokens = new Set([END as Token])

/** What one simulated answer is, and who produced it. */
export type AnswerSpec = {
  rule: DecodingRule
  /** Logit drift of the provider's hardware (nats, standard deviation). */
  drift: number
  /** Tokens in the answer (before truncation). */
  length: number
  /** Absent: an honest provider. */
  cheat?: CheatName
  tolerances: VerifyTolerances
  /** Whether validators re-execute embeddings (the verifier does not yet: then an embeddings cheat passes). */
  embeddingsCheck: boolean
}

/**
 * Plays one answer through the validator's real rules: synthetic next-token logits per position (Gaussian
 * logits with a random peakedness), the provider's own logits (the validator's plus its hardware drift,
 * or a cheat's substitute), the provider's token (argmax, or a draw from `samplingDistribution` of its
 * logits), then `judgeToken` on every token, `judgeEnd` on the end, and `decideVerdict` on the tally,
 * which it tallies as createVerifier does (the two test martingales averaged).
 */
export function judgeAnswer(spec: AnswerSpec, rng: Rng): 'pass' | 'drift' | 'breach' {
  const { rule, tolerances } = spec
  const greedy = rule.kind === 'greedy'
  if (spec.cheat === 'embeddings') return embeddingVerdict(spec, rng)
  const tally: VerifyTally = { checkedTokens: 0, mismatches: 0, nearTies: 0, logEvidence: 0, breaches: [] }
  let logUniform = 0
  let logFlattened = 0
  const count = (j: TokenJudgement) => {
    tally.checkedTokens++
    if (j.outcome === 'mismatch') tally.mismatches++
    if (j.outcome === 'near-tie') tally.nearTies++
    logUniform += j.evidence.uniform
    logFlattened += j.evidence.flattened
  }
  const length = spec.cheat === 'truncation' ? Math.max(1, Math.floor(spec.length / 2)) : spec.length
  // A cheat that changes the decoding: greedy answered by sampling at T=1; sampled at twice the temperature.
  const providerRule: DecodingRule =
    spec.cheat === 'wrongTemperature'
      ? greedy
        ? { kind: 'sampled', temperature: 1, topP: 1 }
        : { kind: 'sampled', temperature: rule.temperature * 2, topP: rule.topP }
      : rule
  const truth = new Float64Array(VOCAB)
  const own = new Float64Array(VOCAB)
  const validatorSorter = createSorter()
  const providerSorter = createSorter()
  for (let position = 0; position <= length; position++) {
    const atEnd = position === length
    const scale = 1.5 + 3.5 * rng.next()
    for (let i = 0; i < VOCAB; i++) truth[i] = rng.normal() * scale
    if (atEnd && spec.cheat !== 'truncation') {
      // The provider ended here: the end token leads (by a margin the drift cannot undo).
      let top = Number.NEGATIVE_INFINITY
      for (let i = 1; i < VOCAB; i++) if ((truth[i] as number) > top) top = truth[i] as number
      truth[END] = top + 1
    } else if (!atEnd) truth[END] = (truth[END] as number) - 8 // mid-answer, ending is unlikely
    const validator = sortLogits(truth, validatorSorter)
    if (atEnd) {
      const ending = judgeEnd(validator, endTokens, rule, tolerances)
      count(ending)
      if (ending.outcome === 'mismatch') {
        tally.mismatches--
        tally.breaches.push('truncated')
      }
      break
    }
    for (let i = 0; i < VOCAB; i++) own[i] = ownLogit(spec, truth[i] as number, scale, rng)
    let token: number
    if (spec.cheat === 'randomTokens') token = 1 + rng.int(VOCAB - 1)
    else if (providerRule.kind === 'greedy') token = argmax(own)
    else token = draw(sortLogits(own, providerSorter), providerRule, rng)
    count(judgeToken(validator, token as Token, rule, tolerances))
  }
  if (spec.cheat === 'countInflation') tally.breaches.push('output token count above the tokens returned')
  const high = Math.max(logUniform, logFlattened)
  tally.logEvidence = greedy
    ? 0
    : high + Math.log((Math.exp(logUniform - high) + Math.exp(logFlattened - high)) / 2)
  return decideVerdict(tally, tolerances, greedy).verdict
}

/** The provider's logit for a token whose true (validator's) logit is `truth`. */
function ownLogit(spec: AnswerSpec, truth: number, scale: number, rng: Rng): number {
  const drift = spec.drift === 0 ? 0 : rng.normal() * spec.drift
  switch (spec.cheat) {
    case 'otherModel':
      return 0.5 * truth + 0.87 * scale * rng.normal() + drift
    case 'smallerQuant':
      return truth + 0.35 * rng.normal() + drift
    default:
      return truth + drift
  }
}

function argmax(values: Float64Array): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i
  return best
}

/** Reusable buffers of one `NextTokenLogits` (judged at once, so the next position may overwrite them). */
type Sorter = { dist: NextTokenLogits; rankOf: Int32Array }

function createSorter(): Sorter {
  const rankOf = new Int32Array(VOCAB)
  // judgeToken reads `rank` with `get` only: an array behind a Map's face saves a Map per position.
  const rank = { get: (token: number) => rankOf[token] } as unknown as Map<Token, number>
  return { dist: { tokens: new Int32Array(VOCAB), logits: new Float64Array(VOCAB), rank }, rankOf }
}

/** Logits by token id → the verifier's `NextTokenLogits` (sorted from the highest down, ties by id). */
function sortLogits(byId: Float64Array, sorter: Sorter): NextTokenLogits {
  const { tokens, logits } = sorter.dist
  for (let i = 0; i < VOCAB; i++) {
    const value = byId[i] as number
    let j = i
    while (j > 0 && (logits[j - 1] as number) < value) {
      logits[j] = logits[j - 1] as number
      tokens[j] = tokens[j - 1] as number
      j--
    }
    logits[j] = value
    tokens[j] = i
  }
  for (let r = 0; r < VOCAB; r++) sorter.rankOf[tokens[r] as number] = r
  return sorter.dist
}

/** A seeded draw from the sampler's distribution over the provider's own logits. */
function draw(dist: NextTokenLogits, rule: DecodingRule & { kind: 'sampled' }, rng: Rng): number {
  const { q, nucleus } = samplingDistribution(dist, rule)
  let u = rng.next()
  for (let r = 0; r < nucleus; r++) {
    u -= q[r] as number
    if (u < 0) return dist.tokens[r] as number
  }
  return dist.tokens[nucleus - 1] as number
}

/**
 * Embeddings are not re-executed token by token (readVerifyRequest refuses them), so today a cheat passes.
 * With a cosine check (DESIGN rule 4: similarity above 0.99), an honest vector's similarity is 1 minus the
 * drift's square, a smaller model's about 0.9.
 */
function embeddingVerdict(spec: AnswerSpec, rng: Rng): 'pass' | 'breach' {
  if (!spec.embeddingsCheck) return 'pass'
  const cosine = 0.9 + 0.03 * rng.normal()
  return cosine < 0.99 ? 'breach' : 'pass'
}
