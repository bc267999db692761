/**
 * The gas limit to send with a transaction whose estimate was `estimate`. An estimate is made against the
 * latest block, but the transaction runs in a later one, where the contracts may take a longer path: the
 * first `Payments.redeem` of a new epoch archives the last epoch's totals (about 22,000 gas more per new
 * storage slot), the first uptime report of an epoch opens its records. A limit cut at the estimate then
 * runs out of gas at an epoch boundary and the transaction reverts, paid for and useless. A quarter more
 * plus 60,000 covers those paths; unused gas is not charged.
 *
 * @example
 * const gas = gasWithHeadroom(await publicClient.estimateContractGas({ ...call, account }))
 */
export function gasWithHeadroom(estimate: bigint): bigint {
  return estimate + estimate / 4n + 60_000n
}
