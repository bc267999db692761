import type { Token } from 'node-llama-cpp'

/** The validator's next-token logits at one position, sorted from the highest logit down. */
export type NextTokenLogits = { tokens: Int32Array; logits: Float64Array; rank: Map<Token, number> }

/** Turns node-llama-cpp's logits map (already sorted from the highest down) into `NextTokenLogits`. */
export function nextTokenLogits(map: Map<Token, number>): NextTokenLogits {
  const tokens = new Int32Array(map.size)
  const logits = new Float64Array(map.size)
  const rank = new Map<Token, number>()
  let i = 0
  for (const [token, logit] of map) {
    tokens[i] = token
    logits[i] = logit
    rank.set(token, i)
    i++
  }
  return { tokens, logits, rank }
}
