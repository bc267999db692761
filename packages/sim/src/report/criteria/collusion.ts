import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

/**
 * Criterion 8: a gateway–provider cartel: the colluding gateway never samples its partners and routes
 * its customers to them first; the partners cheat on that traffic. Its profit (pay kept, compute saved,
 * slashes when validators' probes catch it) against its customers' loss (what they paid for bad
 * answers), from agent runs with increasing probe shares.
 */
export function collusion(data: ReportData): CriterionResult {
  const { params, cartel } = data
  const atDefault = cartel.find((c) => c.probeShare === params.probeShare) ?? cartel[0]
  const pass = !!atDefault && atDefault.profit < 0
  const fixing = cartel.find((c) => c.profit < 0)
  const rows = cartel.flatMap((c) => [
    { case: `probes ${c.probeShare}`, MESH: c.profit, who: 'cartel profit' },
    { case: `probes ${c.probeShare} `, MESH: -c.customersLoss, who: "customers' loss" },
  ])
  return {
    id: 8,
    title: 'Collusion: a gateway–provider cartel',
    criterion:
      "At the default probe share, the cartel loses money: what validators' probes (inference bought as ordinary customers, never routed through the cartel's gateway) catch costs its partners more than cheating saves.",
    pass,
    measured: cartel.map(
      (c) =>
        `probe share ${c.probeShare}: cartel profit ${fmt(c.profit)} MESH, customers' loss ${fmt(c.customersLoss)} MESH`,
    ),
    ...(!pass && {
      fix: fixing
        ? `probeShare ${fixing.probeShare} (validators buy that share of each provider's traffic as customers)`
        : 'raise the probe share beyond 0.2 or let customers submit receipts for re-execution',
    }),
    charts: [
      {
        kind: 'bar',
        title: "Cartel profit and customers' loss (MESH, over the run)",
        rows,
        x: 'case',
        y: 'MESH',
        color: 'who',
        xTitle: "validators' probe share of traffic",
        yTitle: 'MESH',
      },
    ],
  }
}
