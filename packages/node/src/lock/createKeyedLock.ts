/**
 * Runs async work one at a time per key: a call starts after the previous call with the same key has
 * settled (resolved or rejected); calls with different keys run concurrently. A key's entry is dropped
 * once its last call settles, so the map holds only keys with work queued or running.
 *
 * @example
 * const lock = createKeyedLock()
 * await lock(payer, async () => admit(voucher))
 */
export function createKeyedLock() {
  const queues = new Map<string, Promise<unknown>>()
  return function withLock<T>(key: string, run: () => Promise<T>): Promise<T> {
    const result = (queues.get(key) ?? Promise.resolve()).then(run)
    const done = result.catch(() => {})
    queues.set(key, done)
    void done.then(() => {
      if (queues.get(key) === done) queues.delete(key)
    })
    return result
  }
}

export type KeyedLock = ReturnType<typeof createKeyedLock>
