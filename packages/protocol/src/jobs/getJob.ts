import type { Address, ContractFunctionReturnType, PublicClient } from 'viem'
import { jobCoordinatorAbi } from '../abis/JobCoordinator.js'
import { contractRevert } from '../contractRevert.js'
import { BaseError } from '../errors.js'
import { type JobStatus, jobStatus } from './jobStatus.js'

/** A job as `IJobCoordinator.getJob` returns it. */
export type Job = ContractFunctionReturnType<typeof jobCoordinatorAbi, 'view', 'getJob'>

/** A job with its status named. */
export type NamedJob = Job & { id: bigint; state: JobStatus | `unknown(${number})` }

export type GetJobParameters = {
  publicClient: Pick<PublicClient, 'readContract'>
  coordinator: Address
  jobId: bigint
}

/**
 * Reads a job from the JobCoordinator, its status also as a name. Throws a `BaseError` naming the job when
 * it does not exist (the coordinator reverts `UnknownJob`, or answers status None).
 *
 * @example
 * const job = await getJob({ publicClient, coordinator, jobId: 1n })
 * job.state // 'assigned'
 */
export async function getJob({ publicClient, coordinator, jobId }: GetJobParameters): Promise<NamedJob> {
  let job: Job
  try {
    job = await publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'getJob',
      args: [jobId],
    })
  } catch (error) {
    if (contractRevert(error)?.name === 'UnknownJob')
      throw new BaseError(`Job ${jobId} does not exist on the JobCoordinator at ${coordinator}.`, {
        cause: error,
      })
    throw error
  }
  if (job.status === 0)
    throw new BaseError(`Job ${jobId} does not exist on the JobCoordinator at ${coordinator}.`)
  return { ...job, id: jobId, state: jobStatus(job.status) }
}
