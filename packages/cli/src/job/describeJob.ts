import {
  getJob,
  type JobDelivered,
  type JobRequested,
  type NamedJob,
  readJobDelivered,
  readJobRequested,
} from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'

/** A job with what its events hold: input, output and receipt, and when it can settle. */
export type JobDescription = {
  job: NamedJob
  requested?: JobRequested
  delivered?: JobDelivered
  /** Unix seconds after which `settle` pays out (servedAt + the dispute window); undefined until delivered. */
  settlesAfter?: bigint
}

/**
 * Reads a job, its request and (once delivered) its delivery, and its settle time (servedAt plus the
 * Disputes window, read from the coordinator's Disputes).
 */
export async function describeJob(params: {
  publicClient: PublicClient
  coordinator: Address
  jobId: bigint
  disputeWindow: () => Promise<bigint>
}): Promise<JobDescription> {
  const { publicClient, coordinator, jobId } = params
  const job = await getJob({ publicClient, coordinator, jobId })
  const [requested, delivered] = await Promise.all([
    readJobRequested({ publicClient, coordinator, jobId, requestBlock: job.requestBlock }).catch(
      () => undefined,
    ),
    job.servedAt > 0n
      ? readJobDelivered({ publicClient, coordinator, jobId, fromBlock: job.requestBlock })
      : Promise.resolve(undefined),
  ])
  const settlesAfter = job.servedAt > 0n ? job.servedAt + (await params.disputeWindow()) : undefined
  return {
    job,
    ...(requested && { requested }),
    ...(delivered && { delivered }),
    ...(settlesAfter !== undefined && { settlesAfter }),
  }
}
