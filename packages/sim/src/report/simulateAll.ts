import type { VerifyTolerances } from '@infermesh/validator/verify/tolerances'
import { committeeOutcome } from '../committee/committeeOutcome.js'
import { runSimulation, type SimResult } from '../model/runSimulation.js'
import { defaultSimParams, type SimParams } from '../model/simParams.js'
import { type SweepRow, sweepParameter } from '../model/sweepParameter.js'
import { createRng } from '../rng/createRng.js'
import { type RateRow, verifierRates } from '../verify/verifierRates.js'

/** How much Monte Carlo a report runs. */
export type ReportScale = {
  honestTrials: number
  cheatTrials: number
  rocTrials: number
  committeeTrials: number
  providers: number
  requestsPerEpoch: number
  epochs: number
  sweep: { providers: number; requestsPerEpoch: number; epochs: number }
  /** Answer lengths (tokens); default the simulator's 16, 64, 256. */
  lengths?: readonly number[]
}

/** `npm run sim`: a few minutes on two cores. */
export const fullScale: ReportScale = {
  honestTrials: 400,
  cheatTrials: 60,
  rocTrials: 300,
  committeeTrials: 20_000,
  providers: 2000,
  requestsPerEpoch: 20_000,
  epochs: 24,
  sweep: { providers: 400, requestsPerEpoch: 4000, epochs: 6 },
}

/** The byte-identity test's report: seconds. */
export const smallScale: ReportScale = {
  honestTrials: 6,
  cheatTrials: 3,
  rocTrials: 4,
  committeeTrials: 300,
  providers: 150,
  requestsPerEpoch: 800,
  epochs: 3,
  sweep: { providers: 60, requestsPerEpoch: 200, epochs: 2 },
  lengths: [8, 32],
}

/** Looseness factors of the verifier's tolerances for the ROC (1 = the defaults, the operating point). */
export const rocFactors = [0.25, 0.5, 1, 2, 4] as const

/** The tolerances scaled by a looseness factor: gaps, drift allowances and the evidence threshold. */
export function scaleTolerances(base: VerifyTolerances, f: number): VerifyTolerances {
  return {
    ...base,
    nearTieLogitGap: base.nearTieLogitGap * f,
    driftFraction: base.driftFraction * f,
    driftAllowance: Math.round(base.driftAllowance * f),
    breachEvidence: base.breachEvidence ** f,
    driftEvidence: Math.min(base.driftEvidence, base.breachEvidence ** f),
  }
}

/** Everything the report's criteria are computed from. */
export type ReportData = {
  params: SimParams
  scale: ReportScale
  rates: RateRow[]
  /** The agent model at the defaults. */
  run: SimResult
  /** Stake-for-access on the same demand trace: no burn, no emission. */
  sfaRun: SimResult
  roc: {
    factor: number
    mode: string
    hardware: string
    falseBreach: number
    detection: number
    trials: number
  }[]
  committee: { size: number; colluding: number; wrongfulSlash: number; wrongfulAcquittal: number }[]
  /** Conviction and void probabilities for the default pool (regular and niche models). */
  conviction: { regular: number; niche: number; wrongful: number }
  /** Cartel profit against probe share. */
  cartel: { probeShare: number; profit: number; customersLoss: number }[]
  sweeps: SweepRow[]
  gas: Record<string, number>
}

/**
 * Runs every simulation the report needs, all from one seed: the verifier's rates (and their ROC over
 * tolerances), the agent model at the defaults and under stake-for-access, committee capture, the cartel
 * against probe shares and the parameter sweeps. `gas` is bench/results/gas.json's `gas` (forge's curve).
 */
export function simulateAll(seed: number, scale: ReportScale, gas: Record<string, number>): ReportData {
  const params = defaultSimParams({
    seed,
    providers: scale.providers,
    requestsPerEpoch: scale.requestsPerEpoch,
    epochs: scale.epochs,
    ...(scale.lengths && { lengths: scale.lengths }),
  })
  const rates = verifierRates({
    seed,
    tolerances: params.tolerances,
    lengths: params.lengths,
    honestTrials: scale.honestTrials,
    cheatTrials: scale.cheatTrials,
    embeddingsCheck: params.embeddingsCheck,
  })
  const run = runSimulation(params, rates)
  const sfaParams = {
    ...params,
    deploy: { ...params.deploy, burnBps: 0n, initialEmission: 0n },
  }
  const sfaRun = runSimulation(sfaParams, rates)

  const roc: ReportData['roc'] = []
  for (const factor of rocFactors) {
    const rows = verifierRates({
      seed: seed + 1,
      tolerances: scaleTolerances(params.tolerances, factor),
      lengths: [scale.lengths ? (scale.lengths.at(-1) as number) : 64],
      honestTrials: scale.rocTrials,
      cheatTrials: Math.max(2, Math.round(scale.rocTrials / 3)),
      embeddingsCheck: false,
      subjects: ['honest', 'smallerQuant'],
    })
    for (const honest of rows.filter((r) => r.subject === 'honest')) {
      const cheat = rows.find(
        (r) => r.subject === 'smallerQuant' && r.mode === honest.mode && r.hardware === honest.hardware,
      )
      roc.push({
        factor,
        mode: honest.mode,
        hardware: honest.hardware,
        falseBreach: honest.breaches / honest.trials,
        detection: cheat ? cheat.breaches / cheat.trials : 0,
        trials: honest.trials,
      })
    }
  }

  const rng = createRng(seed ^ 0x5eed)
  const committee: ReportData['committee'] = []
  const lazy = params.validators.lazy
  for (const size of [3, 5, 9, 21]) {
    for (let c = 0; c <= 10; c++) {
      const colluding = c * 0.05
      const holders = 100
      const pool = { holders, colluding: Math.round(colluding * holders), lazy: Math.round(lazy * holders) }
      let slash = 0
      let acquit = 0
      for (let t = 0; t < scale.committeeTrials; t++) {
        const r = committeeOutcome(pool, size, Number(params.deploy.maxRounds), rng)
        if (r.outcome === 'wrong') slash++
        if (r.outcome !== 'truth') acquit++
      }
      committee.push({
        size,
        colluding,
        wrongfulSlash: slash / scale.committeeTrials,
        wrongfulAcquittal: acquit / scale.committeeTrials,
      })
    }
  }
  const conviction = defaultConviction(params, scale.committeeTrials, rng)

  const cartel: ReportData['cartel'] = []
  for (const probeShare of [0, 0.01, 0.05, 0.2]) {
    const r = runSimulation({ ...params, ...scale.sweep, probeShare, seed: seed + 7 }, rates)
    cartel.push({ probeShare, profit: r.cartel.profit, customersLoss: r.cartel.customersLoss })
  }
  const sweeps = sweepParameter({ ...params, ...scale.sweep }, rates, (tolerances) =>
    verifierRates({
      seed,
      tolerances,
      lengths: params.lengths,
      honestTrials: Math.max(2, Math.round(scale.honestTrials / 4)),
      cheatTrials: Math.max(2, Math.round(scale.cheatTrials / 4)),
      embeddingsCheck: params.embeddingsCheck,
    }),
  )
  return { params, scale, rates, run, sfaRun, roc, committee, conviction, cartel, sweeps, gas }
}

/** Committee outcomes for the default validator set: a regular model's pool and a niche model's. */
function defaultConviction(params: SimParams, trials: number, rng: ReturnType<typeof createRng>) {
  const v = params.validators
  const holders = Math.round(params.modelCoverage * v.count) - 1
  const size = Number(params.deploy.committeeSize)
  const rounds = Number(params.deploy.maxRounds)
  const pool = {
    holders,
    colluding: Math.round((v.sybil + v.colluding) * holders),
    lazy: Math.round(v.lazy * holders),
  }
  const niche = { holders: params.nicheHolders - 1, colluding: 0, lazy: 0 }
  let regular = 0
  let nicheTruth = 0
  let wrongful = 0
  for (let t = 0; t < trials; t++) {
    if (committeeOutcome(pool, size, rounds, rng).outcome === 'truth') regular++
    if (committeeOutcome(niche, size, rounds, rng).outcome === 'truth') nicheTruth++
    if (committeeOutcome(pool, size, rounds, rng).outcome === 'wrong') wrongful++
  }
  return { regular: regular / trials, niche: nicheTruth / trials, wrongful: wrongful / trials }
}
