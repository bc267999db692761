import type { NetworkValidator } from '@infermesh/client'

/**
 * Draws one validator with probability proportional to min(stake, cap): a validator's chance of a
 * sample (and of its fee) grows with what it has at stake, so splitting stake into minimum-stake sybils
 * earns no more samples than keeping it in one account, while the cap keeps one large validator from
 * taking every sample. Undefined for an empty list; validators whose weight is 0 are drawn only when all
 * weigh 0 (then uniformly).
 *
 * @param random A uniform draw in [0, 1).
 * @example pickValidator(holders, 10n * minValidatorStake, Math.random)
 */
export function pickValidator(
  validators: readonly NetworkValidator[],
  cap: bigint | undefined,
  random: () => number,
): NetworkValidator | undefined {
  if (validators.length === 0) return undefined
  const weights = validators.map((v) => {
    const stake = v.stake > 0n ? v.stake : 0n
    return cap !== undefined && stake > cap ? cap : stake
  })
  const total = weights.reduce((sum, w) => sum + w, 0n)
  if (total === 0n)
    return validators[Math.min(validators.length - 1, Math.floor(random() * validators.length))]
  // A 53-bit draw scaled to the total weight: exact to 2^-53 of the total.
  const scale = 2n ** 53n
  const draw = BigInt(Math.min(Number(scale) - 1, Math.floor(random() * Number(scale))))
  let point = (draw * total) / scale
  for (const [index, weight] of weights.entries()) {
    if (point < weight) return validators[index]
    point -= weight
  }
  return validators[validators.length - 1]
}
