import type { ChartOptions } from './chartSpec.js'

/** One acceptance criterion of the report, computed from the simulated data. */
export type CriterionResult = {
  id: number
  title: string
  /** The acceptance criterion, stated before it is measured. */
  criterion: string
  pass: boolean
  /** What was measured (one line each). */
  measured: string[]
  /** When it fails at the defaults: the parameter change that fixes it (and whether the simulator shows it). */
  fix?: string
  charts: ChartOptions[]
}

/** A number for the report: 3 significant digits, plain notation, the same bytes on every machine. */
export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return '0'
  const a = Math.abs(x)
  if (a >= 1e6 || a < 1e-3) return x.toExponential(2)
  return Number(x.toPrecision(3)).toString()
}
