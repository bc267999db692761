import { ValidatorError } from '../errors.js'

/**
 * A bounded FIFO of re-execution jobs, run one at a time: re-execution is CPU-bound and a second
 * concurrent job would only slow both. Full → `add` throws a 429 `ValidatorError` (the gateway moves on).
 */
export function createSampleQueue<T>(options: { maxQueue: number; run: (job: T) => Promise<void> }) {
  const jobs: T[] = []
  let active: Promise<void> | undefined
  let done = 0

  async function drainLoop() {
    for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
      await options.run(job).catch(() => {})
      done++
    }
  }

  return {
    /** Queues a job; `force` takes it even when full (its place was held for it: a paid sample). */
    add(job: T, force = false) {
      if (!force && jobs.length >= options.maxQueue) {
        throw new ValidatorError(`This validator has ${jobs.length} samples waiting; try another one.`, {
          status: 429,
          code: 'queue_full',
          type: 'rate_limit_error',
          retryable: true,
        })
      }
      jobs.push(job)
      active ??= drainLoop().finally(() => {
        active = undefined
      })
    },
    /** Jobs waiting (not counting the one running). */
    waiting: () => jobs.length,
    /** Jobs finished since start. */
    done: () => done,
    /** Resolves once the queue is empty. */
    async idle() {
      while (active) await active
    },
  }
}

export type SampleQueue<T> = ReturnType<typeof createSampleQueue<T>>
