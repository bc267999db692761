/**
 * The lowest sampling probability that makes cheating a losing bet (DESIGN rule 4): a provider that
 * cheats on a job saves at most C ≤ R (the job's pay) and, when sampled, loses the slash S, so cheating
 * has negative expected value when p·(R + S) > C. With C = R this gives p > R / (R + S).
 *
 * @param jobPay R: what the largest job the gateway expects pays, in MESH wei.
 * @param slash S: what a dispute takes from the provider, in MESH wei.
 * @example samplingFloor({ jobPay: 10n ** 15n, slash: 100n * 10n ** 18n }) // ≈ 1e-5
 */
export function samplingFloor(params: { jobPay: bigint; slash: bigint }): number {
  const { jobPay, slash } = params
  if (jobPay <= 0n) return 0
  if (slash <= 0n) return 1
  return Number(jobPay) / Number(jobPay + slash)
}
