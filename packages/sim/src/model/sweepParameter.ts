import { defaultTolerances } from '@infermesh/validator/verify/tolerances'
import type { RateRow } from '../verify/verifierRates.js'
import { runSimulation, type SimResult } from './runSimulation.js'
import type { SimParams } from './simParams.js'

/** One run of a sweep: the parameter, its value, and what the network did. */
export type SweepRow = {
  parameter: string
  value: string
  /** Mean profit per request served (MESH) of plain cheaters and of honest providers. */
  cheaterProfitPerRequest: number
  honestProfitPerRequest: number
  guilty: number
  wrongfulSlashes: number
  /** Share of requests answered by a cheat. */
  cheatedShare: number
  /** Net supply change over the run (minted − burned, MESH). */
  netSupply: number
}

const MESH = 10n ** 18n

/** The values each swept parameter takes (the default among them). */
export const sweepAxes: {
  parameter: string
  values: { label: string; apply: (p: SimParams) => SimParams }[]
}[] = [
  {
    parameter: 'p',
    values: [0, 0.01, 0.05, 0.2].map((p) => ({ label: String(p), apply: (s) => ({ ...s, p }) })),
  },
  {
    parameter: 'slashBps',
    values: [100n, 1000n, 5000n].map((v) => ({
      label: String(v),
      apply: (s) => ({ ...s, deploy: { ...s.deploy, slashBps: v } }),
    })),
  },
  {
    parameter: 'challengerBond (MESH)',
    values: [10n, 100n, 1000n].map((v) => ({
      label: String(v),
      apply: (s) => ({ ...s, deploy: { ...s.deploy, challengerBond: v * MESH } }),
    })),
  },
  {
    parameter: 'committeeSize',
    values: [3n, 5n, 9n].map((v) => ({
      label: String(v),
      apply: (s) => ({ ...s, deploy: { ...s.deploy, committeeSize: v } }),
    })),
  },
  {
    parameter: 'minStake (MESH)',
    values: [100n, 1000n, 10_000n].map((v) => ({
      label: String(v),
      apply: (s) => ({ ...s, deploy: { ...s.deploy, minStake: v * MESH } }),
    })),
  },
  {
    parameter: 'burnBps / workBps',
    values: [
      [300n, 2000n],
      [500n, 4000n],
      [1000n, 6000n],
    ].map(([burn, work]) => ({
      label: `${burn} / ${work}`,
      apply: (s) => ({
        ...s,
        deploy: {
          ...s.deploy,
          burnBps: burn as bigint,
          workBps: work as bigint,
          availabilityBps: 8000n - (work as bigint),
          validatorBps: 2000n,
        },
      }),
    })),
  },
  {
    parameter: 'tolerances (× looseness)',
    values: [0.5, 1, 2].map((f) => ({
      label: String(f),
      apply: (s) => ({
        ...s,
        tolerances: {
          ...defaultTolerances,
          nearTieLogitGap: defaultTolerances.nearTieLogitGap * f,
          driftFraction: defaultTolerances.driftFraction * f,
        },
      }),
    })),
  },
  {
    parameter: 'validators',
    values: [10, 30, 100].map((count) => ({
      label: String(count),
      apply: (s) => ({ ...s, validators: { ...s.validators, count } }),
    })),
  },
  {
    parameter: 'colluding share',
    values: [0, 0.1, 0.3, 0.5].map((colluding) => ({
      label: String(colluding),
      apply: (s) => ({ ...s, validators: { ...s.validators, colluding } }),
    })),
  },
]

/**
 * Sweeps each parameter of `sweepAxes` around `base`, one at a time, and summarizes each run. A value
 * that changes the verifier's tolerances gets its own rate table from `ratesFor` (the others share
 * `rates`, measured at the defaults).
 */
export function sweepParameter(
  base: SimParams,
  rates: readonly RateRow[],
  ratesFor: (tolerances: SimParams['tolerances']) => readonly RateRow[],
): SweepRow[] {
  const rows: SweepRow[] = []
  for (const axis of sweepAxes) {
    for (const value of axis.values) {
      const params = value.apply(base)
      const own = params.tolerances === base.tolerances ? rates : ratesFor(params.tolerances)
      const result = runSimulation(params, own)
      rows.push(summarize(axis.parameter, value.label, result))
    }
  }
  return rows
}

function summarize(parameter: string, value: string, r: SimResult): SweepRow {
  let cheaterProfit = 0
  let cheaterRequests = 0
  let honestProfit = 0
  let honestRequests = 0
  for (let i = 0; i < r.providers.kind.length; i++) {
    const k = r.providers.kind[i]
    if (k === 1) {
      cheaterProfit += r.providers.profit[i] as number
      cheaterRequests += r.providers.requests[i] as number
    } else if (k === 0) {
      honestProfit += r.providers.profit[i] as number
      honestRequests += r.providers.requests[i] as number
    }
  }
  let requests = 0
  let cheated = 0
  let guilty = 0
  let wrongful = 0
  let net = 0n
  for (const e of r.epochs) {
    requests += e.requests
    cheated += e.cheated
    guilty += e.guilty
    wrongful += e.wrongfulSlashes
    const flushedBurn = e.burned - e.toVerificationFees
    net += e.minted - flushedBurn - (e.slashed - e.challengerRewards) - e.penalties
  }
  return {
    parameter,
    value,
    cheaterProfitPerRequest: cheaterRequests ? cheaterProfit / cheaterRequests : 0,
    honestProfitPerRequest: honestRequests ? honestProfit / honestRequests : 0,
    guilty,
    wrongfulSlashes: wrongful,
    cheatedShare: requests ? cheated / requests : 0,
    netSupply: Number(net) / 1e18,
  }
}
