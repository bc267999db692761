import { join } from 'node:path'
import { createGatewayApiKey } from '../gateway/createGatewayApiKey.js'
import type { Daemon } from '../network/spawnDaemon.js'
import { answersOk, waitUntil } from '../network/waitUntil.js'
import { exitOf } from './exitOf.js'
import type { DevnetPlan } from './planDevnet.js'

/**
 * Waits for the devnet's gateway to answer /ready, then creates the dev API key through its admin
 * route (the gateway holds its PGlite database open). Resolves with the key in clear.
 */
export async function createDevApiKey(params: {
  plan: DevnetPlan
  gateway: Daemon
  abandon: Promise<never>
}): Promise<string> {
  const { url, dir, dataDir } = params.plan.gateway
  await waitUntil(() => answersOk(`${url}/ready`), {
    timeoutMs: 120_000,
    message: `the gateway did not answer ${url}/ready within 2 minutes; see ${params.gateway.logFile}`,
    abandon: Promise.race([exitOf(params.gateway), params.abandon]),
  })
  const created = await createGatewayApiKey({
    database: { dir: join(dir, dataDir) },
    name: 'infermesh up (dev)',
  })
  return created.key
}
