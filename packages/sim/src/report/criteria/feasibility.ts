import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

const BLOCK_GAS = 30_000_000
const BLOCK_TIME = 12

/**
 * Criterion 7: feasibility, from forge's gas curve (bench/results/gas.json): the consensus gas of an epoch
 * (every validator's uptime report over every provider, finalization, one redemption per provider, every
 * claim, the disputes of the run) against provider and validator counts, with the chain's capacity per
 * epoch; and the single hot calls against the block gas limit.
 */
export function feasibility(data: ReportData): CriterionResult {
  const { gas, params, run } = data
  const need = [
    'Uptime.submitScores_10providers',
    'Uptime.submitScores_10providers_firstReportOfTheEpoch',
    'Uptime.finalize_10providers',
    'Payments.redeem_firstOfEpoch',
    'Emissions.claim',
  ]
  const missing = need.filter((k) => gas[k] === undefined)
  const g = (k: string) => gas[k] ?? 0
  const curve = (name: string, v: number) => {
    const points = [3, 100, 1000, 10_000].map(
      (n) => [n, gas[`DisputesScale.${name}_${n}validators`]] as const,
    )
    const known = points.filter((p): p is readonly [number, number] => p[1] !== undefined)
    if (known.length === 0) return 0
    let lo = known[0] as readonly [number, number]
    let hi = known.at(-1) as readonly [number, number]
    for (const p of known) {
      if (p[0] <= v) lo = p
      if (p[0] >= v && p[0] < hi[0]) hi = p
    }
    if (hi[0] === lo[0]) return lo[1]
    const t = (Math.log(v) - Math.log(lo[0])) / (Math.log(hi[0]) - Math.log(lo[0]))
    return lo[1] + t * (hi[1] - lo[1])
  }
  const k = Number(params.deploy.committeeSize)
  const disputesPerEpoch = run.epochs.reduce((a, e) => a + e.disputes, 0) / Math.max(1, run.epochs.length)
  const disputeGas = (v: number) =>
    curve('openDispute', v) +
    curve('drawCommittee', v) +
    k * (curve('commitVote', v) + curve('revealVote', v)) +
    curve('resolve', v)
  const epochGas = (providers: number, validators: number, reportsPer = providers) =>
    (reportsPer * g('Uptime.submitScores_10providers_firstReportOfTheEpoch')) / 10 +
    ((validators - 1) * reportsPer * g('Uptime.submitScores_10providers')) / 10 +
    (providers * g('Uptime.finalize_10providers')) / 10 +
    providers * g('Payments.redeem_firstOfEpoch') +
    (providers + validators) * g('Emissions.claim') +
    ((disputesPerEpoch * providers) / params.providers) * disputeGas(validators)
  const capacity = BLOCK_GAS * (Number(params.deploy.epochLength) / BLOCK_TIME)
  const rows: Record<string, number | string>[] = []
  for (const v of [10, 100, 1000]) {
    for (const p of [100, 1000, 10_000, 100_000])
      rows.push({ providers: p, gas: epochGas(p, v), validators: `${v} validators` })
  }
  const calls: Record<string, number | string>[] = []
  for (const v of [3, 100, 1000, 10_000]) {
    calls.push({ validators: v, gas: curve('drawCommittee', v), call: 'drawCommittee (3 seats)' })
    calls.push({ validators: v, gas: curve('drawCommittee21', v), call: 'drawCommittee (21 seats)' })
    calls.push({ validators: v, gas: curve('resolve_escalate21Absent', v), call: 'resolve, 21 absent' })
    calls.push({ validators: v, gas: curve('collectPenalty_16models', v), call: 'collectPenalty, 16 models' })
  }
  const target = epochGas(100_000, 100)
  const worstCall = Math.max(...calls.map((c) => c.gas as number))
  const pass = missing.length === 0 && target <= capacity && worstCall <= BLOCK_GAS
  let fits = 100
  while (fits < 1e7 && epochGas(fits * 2, 100) <= capacity) fits *= 2
  const sampled = epochGas(100_000, 100, 100)
  return {
    id: 7,
    title: 'Feasibility: consensus gas against network size',
    criterion: `With 100,000 providers and 100 validators, an epoch's consensus transactions fit in the chain's capacity per epoch (${fmt(capacity)} gas: ${BLOCK_GAS.toLocaleString('en')} per ${BLOCK_TIME}-s block), and every hot call fits in one block.`,
    pass,
    measured: [
      ...(missing.length
        ? [`Missing from bench/results/gas.json: ${missing.join(', ')} (run \`npm run bench -- gas\`).`]
        : []),
      `Epoch gas at 100,000 providers, 100 validators: ${fmt(target)} (${fmt(target / capacity)} × capacity); uptime reports alone ${fmt((99 * 100_000 * g('Uptime.submitScores_10providers')) / 10)}.`,
      `Largest hot call: ${fmt(worstCall)} gas (block limit ${fmt(BLOCK_GAS)}).`,
      `Fits up to about ${fits.toLocaleString('en')} providers with 100 validators each reporting on every provider.`,
    ],
    ...(!pass && {
      fix: `each validator reports on a random sample of 100 providers per epoch rather than all (the stake-weighted median then needs a quorum per provider): ${fmt(sampled)} gas (${fmt(sampled / capacity)} × capacity) at 100,000 providers; with that, epochLength ≥ ${Math.ceil(((sampled / BLOCK_GAS) * BLOCK_TIME) / 3600)} h (redemptions, finalization and claims are per provider per epoch), or a rollup with a higher gas limit`,
    }),
    charts: [
      {
        kind: 'line',
        title: 'Consensus gas per epoch against providers',
        rows,
        x: 'providers',
        y: 'gas',
        color: 'validators',
        xScale: 'log',
        yScale: 'log',
        xTitle: 'providers',
        yTitle: 'gas per epoch (log)',
        rules: [{ y: capacity, label: 'chain capacity per epoch' }],
      },
      {
        kind: 'line',
        title: 'Hot consensus calls against validators (forge)',
        rows: calls,
        x: 'validators',
        y: 'gas',
        color: 'call',
        xScale: 'log',
        xTitle: 'validators',
        yTitle: 'gas',
        rules: [{ y: BLOCK_GAS, label: 'block gas limit' }],
      },
    ],
  }
}
