import { BaseError } from './errors.js'

export type ComputeCostParameters = {
  inputTokens: bigint
  outputTokens: bigint
  /** MESH wei per 1,000,000 input tokens, as the provider's offer says. */
  pricePerMInput: bigint
  /** MESH wei per 1,000,000 output tokens. */
  pricePerMOutput: bigint
}

const perMillion = 1_000_000n

/**
 * What one request costs in MESH wei: `ceil((inputTokens * pricePerMInput + outputTokens *
 * pricePerMOutput) / 1_000_000)`. Exact bigint arithmetic; rounding up means a provider is never paid
 * less than its price, by at most 1 wei per request.
 *
 * @example
 * // 12 prompt tokens at 0.1 MESH per million, 30 completion tokens at 0.2 MESH per million:
 * computeCost({
 *   inputTokens: 12n,
 *   outputTokens: 30n,
 *   pricePerMInput: 10n ** 17n,
 *   pricePerMOutput: 2n * 10n ** 17n,
 * }) // → 7_200_000_000_000n wei
 */
export function computeCost({
  inputTokens,
  outputTokens,
  pricePerMInput,
  pricePerMOutput,
}: ComputeCostParameters): bigint {
  for (const [name, value] of Object.entries({
    inputTokens,
    outputTokens,
    pricePerMInput,
    pricePerMOutput,
  })) {
    if (value < 0n) throw new BaseError(`computeCost: ${name} must not be negative (got ${value}).`)
  }
  const total = inputTokens * pricePerMInput + outputTokens * pricePerMOutput
  return (total + perMillion - 1n) / perMillion
}
