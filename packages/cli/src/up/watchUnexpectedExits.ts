import type { Daemon } from '../network/spawnDaemon.js'

/**
 * Reports the children that exit on their own (not while `stopping()`), one at a time and in order:
 * each call of the returned function resolves with the next one.
 */
export function watchUnexpectedExits(
  daemons: readonly Daemon[],
  stopping: () => boolean,
): () => Promise<Daemon> {
  const unexpected: Daemon[] = []
  const waiting: ((daemon: Daemon) => void)[] = []
  for (const daemon of daemons)
    void daemon.exited.then(() => {
      if (stopping()) return
      const next = waiting.shift()
      if (next) next(daemon)
      else unexpected.push(daemon)
    })
  return () => {
    const first = unexpected.shift()
    return first ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve))
  }
}
