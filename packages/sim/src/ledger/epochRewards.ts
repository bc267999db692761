/** One provider's record for an epoch, as Emissions reads it. */
export type ProviderEpoch = {
  /** Stake-weighted median uptime score (0–10,000). */
  score: number
  /** Stake stored at finalization. */
  stake: bigint
  /** Paid work (Payments' workOf) and the burn it booked (burnedOf). */
  work: bigint
  burned: bigint
  /** A guilty dispute opened in this epoch or the next. */
  penalized: boolean
}

/** The emission schedule's shares (DeployParams' names). */
export type EmissionShares = {
  initialEmission: bigint
  halvingEpochs: bigint
  availabilityBps: bigint
  workBps: bigint
  validatorBps: bigint
  maxWorkRewardBps: bigint
  uptimeFloor: bigint
}

const BPS = 10_000n

/**
 * Every claim of one epoch's emission, exactly as Emissions computes it: availability = pool × score ×
 * stake / Σ(score × stake of active providers), work = min(pool × work / totalWork, work × maxWorkRewardBps
 * / 10,000, burned) unless penalized, validation = pool × reportWeight / totalReportWeight (report weight =
 * the validator's stake × providers reported). Each share rounded down.
 */
export function epochRewards(params: {
  epoch: bigint
  shares: EmissionShares
  providers: readonly ProviderEpoch[]
  /** Each validator's report weight (stake × providers it reported). */
  reportWeights: readonly bigint[]
}): { providers: { availability: bigint; work: bigint }[]; validators: bigint[]; emission: bigint } {
  const { shares, providers } = params
  const halvings = params.epoch / shares.halvingEpochs
  const emission = halvings > 255n ? 0n : shares.initialEmission >> halvings
  const floor = Number(shares.uptimeFloor)
  let sumActiveScores = 0n
  let sumActiveWeight = 0n
  let totalWork = 0n
  for (const p of providers) {
    totalWork += p.work
    if (p.score >= floor) {
      sumActiveScores += BigInt(p.score)
      sumActiveWeight += BigInt(p.score) * p.stake
    }
  }
  const availabilityPool = (emission * shares.availabilityBps) / BPS
  const out = providers.map((p) => {
    let availability = 0n
    let work = 0n
    if (p.score >= floor && sumActiveScores !== 0n) {
      if (sumActiveWeight !== 0n)
        availability = (availabilityPool * BigInt(p.score) * p.stake) / sumActiveWeight
      if (!p.penalized && p.work !== 0n) {
        const share = (((emission * shares.workBps) / BPS) * p.work) / totalWork
        let cap = (p.work * shares.maxWorkRewardBps) / BPS
        if (p.burned < cap) cap = p.burned
        work = share < cap ? share : cap
      }
    }
    return { availability, work }
  })
  const totalReportWeight = params.reportWeights.reduce((a, b) => a + b, 0n)
  const validatorPool = (emission * shares.validatorBps) / BPS
  const validators = params.reportWeights.map((w) =>
    totalReportWeight === 0n ? 0n : (validatorPool * w) / totalReportWeight,
  )
  return { providers: out, validators, emission }
}
