/** How one redemption of `amount` MESH wei splits (Payments' `_split`). */
export type PaymentSplit = { burned: bigint; royalty: bigint; toProvider: bigint }

const BPS = 10_000n

/**
 * The exact split of a redeemed amount, as Payments computes it: burned = ceil(amount × burnBps / 10,000),
 * royalty = floor(amount × royaltyBps / 10,000), the provider the rest. The replay test checks it against
 * the contract to the wei.
 *
 * @example splitPayment(100n, 500n, 1000n) // { burned: 5n, royalty: 10n, toProvider: 85n }
 */
export function splitPayment(amount: bigint, burnBps: bigint, royaltyBps: bigint): PaymentSplit {
  if (amount < 0n) throw new RangeError(`splitPayment: amount must not be negative (got ${amount}).`)
  const burned = (amount * burnBps + (BPS - 1n)) / BPS
  const royalty = (amount * royaltyBps) / BPS
  return { burned, royalty, toProvider: amount - burned - royalty }
}
