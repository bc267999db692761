import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildReport } from './buildReport.js'
import type { CriterionResult } from './CriterionResult.js'
import { fullScale, type ReportScale } from './simulateAll.js'

/** A report that cannot be written: what to do is in the message. */
export class SimReportError extends Error {
  override name = 'SimReportError' as const
  readonly retryable = false
}

/**
 * `npm run sim`: builds the report for `seed` (default 14) and writes index.html, report.md and the
 * SVG charts to `outDir`; the gas curve is read from `gasFile` (bench/results/gas.json).
 */
export async function writeReport(options: {
  outDir: string
  gasFile: string
  seed?: number
  scale?: ReportScale
}): Promise<{ files: string[]; criteria: CriterionResult[] }> {
  let gas: Record<string, number>
  try {
    gas = (JSON.parse(await readFile(options.gasFile, 'utf8')) as { gas: Record<string, number> }).gas
  } catch (cause) {
    throw new SimReportError(
      `Cannot read the gas curve ${options.gasFile}: run \`npm run bench -- gas\` first (${(cause as Error).message}).`,
    )
  }
  const { files, criteria } = await buildReport({
    seed: options.seed ?? 14,
    scale: options.scale ?? fullScale,
    gas,
  })
  await mkdir(options.outDir, { recursive: true })
  const written: string[] = []
  for (const [name, content] of files) {
    const file = join(options.outDir, name)
    await writeFile(file, content)
    written.push(file)
  }
  return { files: written, criteria }
}
