import { open, readFile, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { CliError } from '../CliError.js'

/**
 * What a PGlite database's lock file says: who holds the database, and for a running gateway where
 * its admin route answers (`infermesh keys create` creates keys through it while the gateway runs).
 */
export type DatabaseLock = {
  pid: number
  /** `gateway` (a running `infermesh gateway start`) or `keys` (an `infermesh keys create`). */
  holder: 'gateway' | 'keys'
  admin?: { url: string; token: string }
}

export type HeldLock = {
  file: string
  /** Rewrites the lock's contents (e.g. once the gateway's admin route listens). */
  update: (lock: Omit<DatabaseLock, 'pid'>) => Promise<void>
  release: () => Promise<void>
}

/**
 * The lock file of a PGlite data directory: `<dir>.lock`, beside it (PGlite lets one process at a
 * time use a directory; two would corrupt it).
 */
export const lockFileOf = (dir: string) => `${resolve(dir)}.lock`

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The lock on a PGlite directory when a live process holds it; undefined when there is no lock file,
 * or its process is gone (a stale lock: a gateway that was killed).
 */
export async function readDatabaseLock(dir: string): Promise<DatabaseLock | undefined> {
  let lock: DatabaseLock
  try {
    lock = JSON.parse(await readFile(lockFileOf(dir), 'utf8')) as DatabaseLock
  } catch {
    return undefined
  }
  if (typeof lock.pid !== 'number' || lock.pid === process.pid || !alive(lock.pid)) return undefined
  return lock
}

const describeHolder = (lock: DatabaseLock) =>
  lock.holder === 'gateway'
    ? `a running gateway (pid ${lock.pid})`
    : `"infermesh keys create" (pid ${lock.pid})`

/**
 * Takes the lock of a PGlite directory for this process, atomically (the file is created with `wx`);
 * a stale lock is replaced. The file is readable by its owner only: it holds the admin token.
 *
 * @throws CliError when a live process holds the directory, naming it.
 */
export async function acquireDatabaseLock(dir: string, holder: DatabaseLock['holder']): Promise<HeldLock> {
  const file = lockFileOf(dir)
  const write = (lock: Omit<DatabaseLock, 'pid'>) =>
    `${JSON.stringify({ pid: process.pid, ...lock }, null, 2)}\n`
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600)
      try {
        await handle.writeFile(write({ holder }))
      } finally {
        await handle.close()
      }
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const held = await readDatabaseLock(dir)
      if (held)
        throw new CliError(
          `the gateway database ${resolve(dir)} is in use by ${describeHolder(held)}: PGlite allows one process at a time on a directory (use PostgreSQL, database.url, to run several gateways)`,
        )
      if (attempt > 2) throw new CliError(`cannot take the lock ${file} of the gateway database`)
      await rm(file, { force: true }) // stale: its process is gone
    }
  }
  let released = false
  return {
    file,
    update: async (lock) => {
      if (!released) await writeFile(file, write(lock), { mode: 0o600 })
    },
    release: async () => {
      if (released) return
      released = true
      await rm(file, { force: true })
    },
  }
}
