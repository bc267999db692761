import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

/**
 * Criterion 5: committee capture: the probability that a cartel holding a share of the validators'
 * stake slashes an honest provider (its members vote guilty) or acquits a cheater (they vote innocent
 * or stay absent to force a void), by committee size, from committee draws under the Disputes rules.
 */
export function committeeCapture(data: ReportData): CriterionResult {
  const { params } = data
  const share = Math.round((params.validators.colluding + params.validators.sybil) * 20) / 20
  const size = Number(params.deploy.committeeSize)
  const at = (k: number) => data.committee.find((r) => r.size === k && Math.abs(r.colluding - share) < 1e-9)
  const def = at(size)
  const pass = !!def && def.wrongfulSlash < 0.01 && def.wrongfulAcquittal < 0.01
  const fixing = [3, 5, 9, 21].find((k) => {
    const r = at(k)
    return r && r.wrongfulSlash < 0.01 && r.wrongfulAcquittal < 0.01
  })
  const rows = data.committee.flatMap((r) => [
    {
      colluding: r.colluding,
      probability: Math.max(r.wrongfulSlash, 1e-4),
      size: `k=${r.size}`,
      outcome: 'wrongful slash',
    },
    {
      colluding: r.colluding,
      probability: Math.max(r.wrongfulAcquittal, 1e-4),
      size: `k=${r.size}`,
      outcome: 'wrongful acquittal',
    },
  ])
  return {
    id: 5,
    title: 'Committee capture',
    criterion: `At the default colluding share (${share}: colluding and cheaters' sybil validators) and committee size ${size}, wrongful slash and wrongful acquittal each have probability below 1%.`,
    pass,
    measured: [
      `Pool: 100 holders of the model, ${params.validators.lazy} of them lazy (absent: seats redrawn, ${params.deploy.maxRounds} rounds).`,
      ...[3, 5, 9, 21].map((k) => {
        const r = at(k)
        return `committee ${k}: wrongful slash ${fmt(r?.wrongfulSlash ?? Number.NaN)}, wrongful acquittal ${fmt(r?.wrongfulAcquittal ?? Number.NaN)}`
      }),
      `Default pool (${Math.round(params.modelCoverage * params.validators.count) - 1} holders): a cartel decides a dispute with probability ${fmt(data.conviction.wrongful)}.`,
    ],
    ...(!pass && {
      fix: fixing
        ? `committeeSize ${fixing} (with at least ${fixing + 1} validators holding each model)`
        : 'no committee size up to 21 holds at this share: cap stake per validator and raise the validator count',
    }),
    charts: [
      {
        kind: 'line',
        title: 'Capture against the colluding stake share',
        rows,
        x: 'colluding',
        y: 'probability',
        color: 'size',
        dash: 'outcome',
        xTitle: 'colluding share of validator stake',
        yTitle: 'probability (log, floored at 1e-4)',
        yScale: 'log',
        rules: [{ y: 0.01, label: '1%' }],
      },
    ],
  }
}
