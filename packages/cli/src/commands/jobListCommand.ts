import { getJob, jobCoordinatorAbi, jobStatuses, type NamedJob } from '@infermesh/protocol'
import { formatEther, getAddress, isAddress, isAddressEqual } from 'viem'
import { usageError } from '../CliError.js'
import { connectJobChain } from '../job/connectJobChain.js'
import { coordinatorOption, coordinatorOptionHelp, resolveJobTarget } from '../job/resolveJobTarget.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { payerOptions, payerOptionsHelp } from '../payer/resolvePayer.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh job list [options]

Lists the most recent on-chain jobs, newest first, with their state, requester, provider and cost.
Reads at most the last 1000 jobs.

Options:
  --requester ADDR      only jobs this account (or contract) requested
  --provider ADDR       only jobs assigned to or delivered by this provider
  --status STATE        only jobs in this state (${jobStatuses.slice(1).join(', ')})
  --limit N             at most N jobs (default 20)
  --json                print the jobs as JSON
${coordinatorOptionHelp}
${payerOptionsHelp}
  -h, --help            this help`

const scanLimit = 1000n

/** `infermesh job list`: recent jobs, filtered by requester, provider or state. */
export const jobListCommand: Command = {
  name: 'job list',
  summary: 'List recent on-chain jobs (filters: requester, provider, state).',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('job list', argv, {
      ...payerOptions,
      ...coordinatorOption,
      requester: { type: 'string' },
      provider: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    })
    if (positionals.length > 0) throw usageError(`unexpected argument ${positionals[0]}`)
    const address = (value: string | undefined, flag: string) => {
      if (value === undefined) return undefined
      if (!isAddress(value)) throw usageError(`${flag} must be a 0x address, not ${value}`)
      return getAddress(value)
    }
    const requester = address(values.requester, '--requester')
    const provider = address(values.provider, '--provider')
    if (values.status !== undefined && !(jobStatuses as readonly string[]).slice(1).includes(values.status))
      throw usageError(`--status must be one of ${jobStatuses.slice(1).join(', ')}, not ${values.status}`)
    if (!/^[1-9]\d{0,3}$/.test(values.limit))
      throw usageError('--limit must be a whole number from 1 to 9999')
    const limit = Number(values.limit)

    const jobTarget = await resolveJobTarget(values)
    const { publicClient } = await connectJobChain(jobTarget)
    const { coordinator } = jobTarget
    const count = await publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'jobCount',
    })
    const jobs: NamedJob[] = []
    for (let id = count; id >= 1n && id > count - scanLimit && jobs.length < limit; id--) {
      const job = await getJob({ publicClient, coordinator, jobId: id })
      if (requester && !isAddressEqual(job.requester, requester)) continue
      if (provider && !isAddressEqual(job.provider, provider)) continue
      if (values.status !== undefined && job.state !== values.status) continue
      jobs.push(job)
    }
    if (values.json) {
      console.log(JSON.stringify(jobs, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
      return 0
    }
    if (jobs.length === 0) {
      console.log(
        `no jobs${count === 0n ? ' yet' : ' match'} (the coordinator at ${coordinator} holds ${count})`,
      )
      return 0
    }
    console.log(
      'job      state       requester                                   provider                                    cost (MESH)',
    )
    for (const job of jobs) {
      const cost = job.state === 'delivered' || job.state === 'settled' ? formatEther(job.cost) : '-'
      const assigned = /^0x0+$/.test(job.provider) ? '-' : job.provider
      console.log(
        `${job.id.toString().padEnd(8)} ${job.state.padEnd(11)} ${job.requester}  ${assigned.padEnd(42)}  ${cost}`,
      )
    }
    return 0
  },
}
