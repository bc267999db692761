import { ProviderError } from '../errors.js'

/** The bounded queue in front of the backend that `createLimiter` makes. */
export type Limiter = {
  readonly running: number
  readonly queued: number
  /**
   * Waits for a slot; returns the function that frees it (calling it twice frees it once). When
   * `signal` aborts while the request waits, it leaves the queue at once and the call rejects with
   * the signal's reason, so a client that went away never takes a slot.
   * @throws ProviderError 429 queue_full when `maxQueue` requests already wait
   */
  acquire(signal?: AbortSignal): Promise<() => void>
}

/**
 * A bounded queue in front of the backend: at most `concurrency` requests run, at most `maxQueue`
 * wait; one more is refused with 429 `queue_full` (Retry-After), never queued without bound.
 *
 * @example
 * const limiter = createLimiter({ concurrency: 4, maxQueue: 64 })
 * const free = await limiter.acquire(signal)
 * try { await work() } finally { free() }
 */
export function createLimiter({ concurrency, maxQueue }: { concurrency: number; maxQueue: number }): Limiter {
  let running = 0
  const waiting: (() => void)[] = []

  const slot = () => {
    let freed = false
    return () => {
      if (freed) return
      freed = true
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }

  return {
    get running() {
      return running
    },
    get queued() {
      return waiting.length
    },
    async acquire(signal?: AbortSignal): Promise<() => void> {
      signal?.throwIfAborted()
      if (running < concurrency) {
        running++
        return slot()
      }
      if (waiting.length >= maxQueue) {
        throw new ProviderError(
          `The provider is busy: ${running} requests running and ${waiting.length} queued. Retry in a second or use another provider.`,
          { status: 429, code: 'queue_full', type: 'rate_limit_error', retryable: true },
        )
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = waiting.indexOf(handOver)
          if (index !== -1) waiting.splice(index, 1)
          reject(signal?.reason)
        }
        // A freed slot passes straight to the next waiter: `running` stays the same.
        const handOver = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        waiting.push(handOver)
      })
      return slot()
    },
  }
}
