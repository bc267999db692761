import type { Address, PublicClient } from 'viem'
import { BaseError } from '../errors.js'
import { getJob, type NamedJob } from './getJob.js'
import type { JobStatus } from './jobStatus.js'

export type WatchJobParameters = {
  publicClient: Pick<PublicClient, 'readContract'>
  coordinator: Address
  jobId: bigint
  /** Stop once the job is in one of these states. Default: delivered, settled or refunded. */
  until?: readonly JobStatus[]
  /** Give up after this long (ms). Default 5 minutes. */
  timeoutMs?: number
  /** Read the job this often (ms). Default 500. */
  pollMs?: number
  /** Called with the job whenever its state changes. */
  onChange?: (job: NamedJob) => void
  signal?: AbortSignal
}

/**
 * Waits until a job reaches one of the wanted states and returns it. Reads `getJob` every `pollMs`; a read
 * that fails is retried on the next poll. Throws a retryable `BaseError` naming the job's last state when
 * `timeoutMs` passes first, and the signal's reason when aborted.
 *
 * @example
 * const job = await watchJob({ publicClient, coordinator, jobId, until: ['delivered'] })
 */
export async function watchJob({
  publicClient,
  coordinator,
  jobId,
  until = ['delivered', 'settled', 'refunded'],
  timeoutMs = 300_000,
  pollMs = 500,
  onChange,
  signal,
}: WatchJobParameters): Promise<NamedJob> {
  const endsAt = Date.now() + timeoutMs
  let last: NamedJob | undefined
  let lastError: unknown
  for (;;) {
    signal?.throwIfAborted()
    try {
      const job = await getJob({ publicClient, coordinator, jobId })
      if (job.state !== last?.state) onChange?.(job)
      last = job
      if ((until as readonly string[]).includes(job.state)) return job
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= endsAt)
      throw new BaseError(
        `Job ${jobId} is still ${last?.state ?? 'unreadable'} after ${Math.round(timeoutMs / 1000)} s (waiting for ${until.join(' or ')}).`,
        { retryable: true, ...(last === undefined && { cause: lastError }) },
      )
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
