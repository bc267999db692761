import { createRng } from '../../rng/createRng.js'
import { decodingModes } from '../../verify/decodingModes.js'
import { hardwareClasses } from '../../verify/hardwareClasses.js'
import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

const EPOCHS_PER_MONTH = 720
const EPOCHS_PER_YEAR = 8760

/**
 * Criterion 3: honest providers' false slashes per provider-month (rate = requests × p_eff × the
 * verifier's simulated false-breach rate × the committee's conviction, by hardware class; the agent
 * run's observed count beside it) and the probability that wrongful slashes exceed a year's profit.
 */
export function honestReturns(data: ReportData): CriterionResult {
  const { params, rates, run, conviction } = data
  const hours = Number(params.deploy.epochLength) / 3600
  const pEff = params.p * (params.gateways.honest + params.gateways.colluding) + params.probeShare
  const rng = createRng(params.seed ^ 0x3)
  const rows: Record<string, string | number>[] = []
  const lines: string[] = []
  let worstRuin = 0
  for (const [h, hw] of hardwareClasses.entries()) {
    let fb = 0
    for (const [m, mode] of decodingModes.entries()) {
      for (const length of params.lengths) {
        const r = rates.find(
          (x) =>
            x.subject === 'honest' && x.mode === mode.name && x.hardware === hw.name && x.length === length,
        )
        if (r?.trials) fb += ((params.modeMix[m] ?? 0) / params.lengths.length) * (r.breaches / r.trials)
      }
    }
    fb *= 1 - params.embeddingsShare
    let requests = 0
    let providers = 0
    let observed = 0
    const profits: number[] = []
    const stakes: number[] = []
    for (let i = 0; i < run.providers.kind.length; i++) {
      const k = run.providers.kind[i]
      // Honest work: honest providers and sybil farmers (self-dealers lose by their own choice, see criterion 6).
      if ((k !== 0 && k !== 5) || run.providers.hardware[i] !== h) continue
      providers++
      requests += run.providers.requests[i] as number
      observed += run.providers.wrongfulSlashes[i] as number
      // The run's profit includes its own slashes; the year's wrongful slashes are drawn below.
      profits.push((run.providers.profit[i] as number) / run.epochs.length)
      stakes.push(run.providers.stake[i] as number)
    }
    const perEpoch = providers ? requests / providers / run.epochs.length : 0
    const lambda = perEpoch * pEff * fb * conviction.regular // wrongful slashes per provider-epoch
    const perMonth = (lambda * EPOCHS_PER_MONTH) / hours
    // A year per provider: Poisson slashes (each slashBps of what is left) against the year's profit.
    let ruined = 0
    const years = profits.length
    for (let y = 0; y < years; y++) {
      const mean = (lambda * EPOCHS_PER_YEAR) / hours
      let n = 0
      if (mean > 30) n = Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()))
      else {
        const t = Math.exp(-mean)
        let u = rng.next()
        while (u > t) {
          n++
          u *= rng.next()
          if (n > 1000) break
        }
      }
      let stake = stakes[y] as number
      let lost = 0
      for (let s = 0; s < n; s++) {
        const cut = (stake * Number(params.deploy.slashBps)) / 10_000
        lost += cut
        stake -= cut
      }
      if (lost > (profits[y] as number) * (EPOCHS_PER_YEAR / hours)) ruined++
    }
    const ruin = years ? ruined / years : 0
    worstRuin = Math.max(worstRuin, ruin)
    rows.push({
      case: `${hw.name}: slashes/month`,
      measure: 'false slashes per provider-month',
      value: perMonth,
    })
    rows.push({ case: `${hw.name}: ruin/year`, measure: 'ruin probability per year', value: ruin })
    lines.push(
      `${hw.name}: false-breach rate per checked answer ${fmt(fb)}, ${fmt(perMonth)} false slashes per provider-month (observed in the run: ${observed} over ${providers} providers × ${run.epochs.length} epochs), ruin per year ${fmt(ruin)} (${years} provider-years)`,
    )
  }
  const pass = worstRuin < 0.01
  return {
    id: 3,
    title: "Honest providers' returns: false slashes and ruin",
    criterion:
      'For every hardware class, the probability that wrongful slashes in a year exceed an honest provider’s profit for the year (ruin) is below 1%.',
    pass,
    measured: [
      `p_eff = ${fmt(pEff)} (p on honest and colluding gateways' traffic, plus probes); conviction of a flagged answer ${fmt(conviction.regular)} (the committee re-runs the same rules).`,
      ...lines,
    ],
    ...(!pass && {
      fix: 'loosen the greedy drift allowance for the drifting classes (driftFraction, nearTieLogitGap: see the ROC), or let borderline breaches of declared hardware classes count as drift',
    }),
    charts: [
      {
        kind: 'bar',
        title: 'Honest providers by hardware class',
        rows,
        x: 'case',
        y: 'value',
        color: 'measure',
        xTitle: 'hardware class',
        yTitle: 'rate',
        rules: [{ y: 0.01, label: 'ruin criterion 1%' }],
      },
    ],
  }
}
