import { validatorKinds } from '../../model/runSimulation.js'
import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

/**
 * Criterion 4: validators' profit and loss per 1,000 MESH staked per epoch, by kind, from the agent run
 * (sample fees + emissions + challenger rewards − lost bonds + vote fees − re-execution − absence
 * penalties); a sybil farm is the diligent validator's income split over identities, each paying its
 * own uptime reports' gas (forge's submitScores curve).
 */
export function validatorReturns(data: ReportData): CriterionResult {
  const { run, params, gas } = data
  const epochs = run.epochs.length
  const per = new Map<string, { sum: number; n: number }>()
  for (let v = 0; v < run.validators.kind.length; v++) {
    const k = validatorKinds[run.validators.kind[v] as number] as string
    const net =
      (run.validators.fees[v] as number) +
      (run.validators.emissions[v] as number) +
      (run.validators.rewards[v] as number) +
      (run.validators.voteFees[v] as number) -
      (run.validators.checkCost[v] as number) -
      (run.validators.penalties[v] as number)
    const perStake = net / epochs / ((run.validators.stake[v] as number) / 1000)
    const e = per.get(k) ?? { sum: 0, n: 0 }
    e.sum += perStake
    e.n++
    per.set(k, e)
  }
  const mean = (k: string) => {
    const e = per.get(k)
    return e?.n ? e.sum / e.n : Number.NaN
  }
  const diligent = mean('diligent')
  const lazy = mean('lazy')
  const identities = params.sybilIdentities
  const reportGas = (gas['Uptime.submitScores_10providers'] ?? 0) / 10
  const providersAlive = params.providers
  const gasMesh = (Number(params.gasCostPer100k) / 1e18 / 100_000) * reportGas * providersAlive
  // A farm of `identities` × minimum stake sends `identities` reports per epoch instead of one.
  const farmStake = (identities * Number(params.deploy.minValidatorStake)) / 1e18
  const sybilFarm = diligent - ((identities - 1) * gasMesh) / (farmStake / 1000)
  const rows = [
    { kind: 'diligent', value: diligent },
    { kind: 'lazy', value: lazy },
    { kind: `sybil farm (${identities} identities)`, value: sybilFarm },
    { kind: "cheaters' sybils", value: mean('sybil') },
    { kind: 'colluding', value: mean('colluding') },
  ].filter((r) => Number.isFinite(r.value))
  const pass = diligent > lazy && diligent > sybilFarm
  return {
    id: 4,
    title: "Validators' profit and loss",
    criterion:
      'Diligence is the strict best response: a diligent validator earns more per MESH staked than a lazy one and than a sybil farm of the same stake.',
    pass,
    measured: rows.map((r) => `${r.kind}: ${fmt(r.value)} MESH per 1,000 MESH staked per epoch`),
    ...(!pass && {
      fix:
        lazy >= diligent
          ? 'a lazy validator keeps its sample fees and rarely meets a cheat: pay sample fees only for checks shown (a signed verdict the committee can audit), or send known-bad canary samples whose miss costs the fee and a penalty'
          : 'per-identity costs (gas, minimum stake) make sybil farms lose already; check the gas curve',
    }),
    charts: [
      {
        kind: 'bar',
        title: 'Validator P&L per 1,000 MESH staked per epoch',
        rows,
        x: 'kind',
        y: 'value',
        xTitle: 'validator kind',
        yTitle: 'MESH',
      },
    ],
  }
}
