import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { copyEmptyDatabase } from '../network/copyEmptyDatabase.js'
import type { DevnetPlan } from './planDevnet.js'

/** Makes each provider's, validator's and the gateway's directory, each with an empty PGlite database. */
export async function prepareDatabases(plan: DevnetPlan): Promise<void> {
  const daemons = [...plan.providers, plan.gateway, ...plan.validators]
  await Promise.all(daemons.map((daemon) => mkdir(daemon.dir, { recursive: true })))
  await copyEmptyDatabase({
    cacheDir: plan.cacheDir,
    targets: daemons.map((daemon) => join(daemon.dir, daemon.dataDir)),
  })
}
