import { execFile } from 'node:child_process'
import { mkdir, rename, rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import type { DevnetPlan } from './planDevnet.js'

const execFileAsync = promisify(execFile)

/**
 * Wipes the last run's state (`<dir>/devnet`, which belongs to a chain that is gone) and makes the
 * logs directory. The old state is moved aside at once and deleted in the background (hundreds of MB):
 * the returned `cleared` settles when it is gone.
 */
export async function clearDevnetState(plan: DevnetPlan): Promise<{ cleared: Promise<void> }> {
  const trash = `${plan.root}.old-${process.pid}`
  const moved = await rename(plan.root, trash).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
      return false
    },
  )
  // `rm -rf` in a child process: fs.rm would queue thousands of calls on libuv's threadpool, which
  // every other file operation of the start-up waits behind.
  const cleared = moved
    ? execFileAsync('rm', ['-rf', trash]).then(
        () => {},
        () => rm(trash, { recursive: true, force: true }),
      )
    : Promise.resolve()
  await mkdir(plan.logs, { recursive: true })
  return { cleared }
}
