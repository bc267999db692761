import type { Daemon } from '../network/spawnDaemon.js'
import { waitUntil } from '../network/waitUntil.js'
import { exitOf } from './exitOf.js'
import type { DevnetPlan } from './planDevnet.js'

/** Waits until the gateway's /v1/models lists `model` with every provider of the plan behind it. */
export async function waitForRouting(params: {
  plan: DevnetPlan
  gateway: Daemon
  apiKey: string
  model: string
  abandon: Promise<never>
}): Promise<void> {
  const { plan, model } = params
  const count = plan.providers.length
  await waitUntil(
    async () => {
      if (count === 0) return true
      const response = await fetch(`${plan.gateway.url}/v1/models`, {
        headers: { authorization: `Bearer ${params.apiKey}` },
        signal: AbortSignal.timeout(1000),
      })
      const body = (await response.json()) as { data?: { id: string; infermesh?: { providers?: number } }[] }
      return body.data?.find((m) => m.id === model)?.infermesh?.providers === count
    },
    {
      timeoutMs: 60_000,
      message: `the gateway did not route to all ${count} providers within 60 s; see ${params.gateway.logFile}`,
      abandon: Promise.race([exitOf(params.gateway), params.abandon]),
    },
  )
}
