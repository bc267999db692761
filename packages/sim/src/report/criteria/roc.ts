import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

/** The 95% upper bound of a rate from k events in n trials (rule of three at k = 0, else Wald + 2σ). */
export const upper95 = (k: number, n: number) =>
  k === 0 ? 3 / n : k / n + 2 * Math.sqrt(((k / n) * (1 - k / n)) / n)

/**
 * Criterion 2: the verifier's ROC per hardware class and decoding mode: honest false breaches against
 * detection of the hardest substitute (a smaller quantization) at 64 tokens, as the tolerances loosen;
 * the defaults are the operating point.
 */
export function roc(data: ReportData): CriterionResult {
  const at = data.roc.filter((r) => r.factor === 1)
  const tooHigh = at.filter((r) => upper95(Math.round(r.falseBreach * r.trials), r.trials) > 0.01)
  const weak = at.filter((r) => r.detection < 0.9)
  const anyGood = [...new Set(data.roc.map((r) => r.factor))].filter((f) =>
    data.roc
      .filter((r) => r.factor === f)
      .every((r) => upper95(Math.round(r.falseBreach * r.trials), r.trials) <= 0.01 && r.detection >= 0.9),
  )
  const pass = tooHigh.length === 0 && weak.length === 0
  return {
    id: 2,
    title: "The verifier's ROC: false breaches against detection",
    criterion:
      'At the default tolerances, for every hardware class and decoding mode: honest false-breach rate ≤ 1% (95% upper bound) and detection of a smaller-quantization substitute ≥ 90% (64-token answers).',
    pass,
    measured: [
      `Trials per cell: ${at[0]?.trials ?? 0} honest answers.`,
      ...at.map(
        (r) =>
          `${r.hardware}, ${r.mode}: false breach ${fmt(r.falseBreach)} (≤ ${fmt(upper95(Math.round(r.falseBreach * r.trials), r.trials))}), detection ${fmt(r.detection)}`,
      ),
    ],
    ...(!pass && {
      fix: anyGood.length
        ? `scale the tolerances by ${anyGood.join(' or ')} (see the ROC)`
        : `no tolerance setting in the sweep (${[...new Set(data.roc.map((r) => r.factor))].join(', ')}× looseness) meets both in every cell: ${weak.length ? `a smaller quantization is not separable from drift in ${[...new Set(weak.map((r) => r.mode))].join(', ')}` : ''}${tooHigh.length ? `; false breaches too high for ${[...new Set(tooHigh.map((r) => `${r.hardware} ${r.mode}`))].join(', ')}` : ''}. Declared quantizations (priced, not slashed) and greedy probes are the fix outside the tolerances.`,
    }),
    charts: [
      {
        kind: 'line',
        title: 'ROC (tolerances × 0.25 … 4; diamond: the defaults)',
        rows: data.roc.map((r) => ({ ...r, falseBreach: Math.max(r.falseBreach, 1e-4) })),
        x: 'falseBreach',
        y: 'detection',
        color: 'hardware',
        dash: 'mode',
        xScale: 'log',
        xTitle: 'honest false-breach rate (floored at 1e-4 for the log axis)',
        yTitle: 'detection of smallerQuant',
        marks: at.map((r) => ({ x: Math.max(r.falseBreach, 1e-4), y: r.detection, label: '' })),
      },
    ],
  }
}
