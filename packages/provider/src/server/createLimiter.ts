import { ProviderError } from '../errors.js'

/**
 * A bounded queue in front of the backend: at most `concurrency` requests run, at most `maxQueue`
 * wait; one more is refused with 429 `queue_full` (Retry-After), never queued without bound.
 */
export function createLimiter({ concurrency, maxQueue }: { concurrency: number; maxQueue: number }) {
  let running = 0
  const waiting: (() => void)[] = []
  return {
    get running() {
      return running
    },
    get queued() {
      return waiting.length
    },
    /** Waits for a slot; returns the function that frees it. */
    async acquire(): Promise<() => void> {
      if (running >= concurrency) {
        if (waiting.length >= maxQueue) {
          throw new ProviderError(
            `The provider is busy: ${running} requests running and ${waiting.length} queued. Retry in a second or use another provider.`,
            { status: 429, code: 'queue_full', type: 'rate_limit_error', retryable: true },
          )
        }
        await new Promise<void>((resolve) => waiting.push(resolve))
      } else {
        running++
      }
      let freed = false
      return () => {
        if (freed) return
        freed = true
        const next = waiting.shift()
        if (next) next()
        else running--
      }
    },
  }
}
