import { resolve } from 'node:path'
import { fullScale, smallScale, writeReport } from '@infermesh/sim'
import { CliError, usageError } from '../CliError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh sim [options]

Runs the economic simulator (packages/sim) and writes its report: index.html and report.md with SVG
charts of the eight acceptance criteria (deterrence, the verifier's ROC, honest returns, validators'
P&L, committee capture, supply, feasibility, collusion), each marked pass or fail at the default
parameters. The same seed writes the same bytes. About two minutes on two cores.

Options:
  --out DIR             where to write the report (default sim/report)
  --seed N              the simulation's seed (default 14)
  --gas FILE            forge's gas curve (default bench/results/gas.json, from \`npm run bench -- gas\`)
  --small               a small, fast report (seconds; for a try or a test)
  -h, --help            this help`

/** `infermesh sim`: the economic simulator's report. */
export const simCommand: Command = {
  name: 'sim',
  summary: 'Run the economic simulator and write its report (sim/report).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('sim', argv, {
      out: { type: 'string', default: 'sim/report' },
      seed: { type: 'string', default: '14' },
      gas: { type: 'string', default: 'bench/results/gas.json' },
      small: { type: 'boolean', default: false },
    })
    const seed = Number(values.seed)
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw usageError(`--seed must be a whole number from 0 to 4294967295, got "${values.seed}"`)
    try {
      const { files, criteria } = await writeReport({
        outDir: resolve(values.out),
        gasFile: resolve(values.gas),
        seed,
        scale: values.small ? smallScale : fullScale,
      })
      for (const c of criteria) console.log(`${c.pass ? 'pass' : 'FAIL'}  ${c.id}. ${c.title}`)
      console.log(`Wrote ${files.length} files to ${resolve(values.out)} (open index.html).`)
      return 0
    } catch (error) {
      if ((error as Error).name === 'SimReportError') throw new CliError((error as Error).message)
      throw error
    }
  },
}
