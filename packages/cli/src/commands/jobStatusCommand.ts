import { CliError, usageError } from '../CliError.js'
import { connectJobChain } from '../job/connectJobChain.js'
import { describeJob } from '../job/describeJob.js'
import { formatJobDescription } from '../job/formatJobDescription.js'
import { readDisputeWindow } from '../job/readDisputeWindow.js'
import { coordinatorOption, coordinatorOptionHelp, resolveJobTarget } from '../job/resolveJobTarget.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { payerOptions, payerOptionsHelp } from '../payer/resolvePayer.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh job status JOB_ID [options]

Shows an on-chain job: its state (requested, assigned, delivered, settled, refunded), its input, the
provider drawn for it, the output and signed receipt once delivered, and when it settles (the end of the
dispute window).

Options:
  --json                print the job as JSON
${coordinatorOptionHelp}
${payerOptionsHelp}
  -h, --help            this help`

/** `infermesh job status`: one job, with its output and receipt. */
export const jobStatusCommand: Command = {
  name: 'job status',
  summary: 'Show an on-chain job: state, provider, output, receipt, settle time.',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('job status', argv, {
      ...payerOptions,
      ...coordinatorOption,
      json: { type: 'boolean', default: false },
    })
    if (positionals.length !== 1 || !/^[1-9]\d{0,76}$/.test(positionals[0] ?? ''))
      throw usageError('which job? infermesh job status JOB_ID (a whole number, as "job request" printed)')
    const jobId = BigInt(positionals[0] as string)
    const jobTarget = await resolveJobTarget(values)
    const { publicClient } = await connectJobChain(jobTarget)
    const { coordinator } = jobTarget
    const description = await describeJob({
      publicClient,
      coordinator,
      jobId,
      disputeWindow: () => readDisputeWindow(publicClient, coordinator),
    }).catch((cause: Error) => {
      throw new CliError(cause.message, { cause })
    })
    if (values.json)
      console.log(JSON.stringify(description, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
    else for (const line of formatJobDescription(description)) console.log(line)
    return 0
  },
}
