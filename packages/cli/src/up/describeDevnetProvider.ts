import type { DevnetProvider } from './Devnet.js'
import type { StartedProvider } from './startDevnetProvider.js'

/** A started provider as devnet.json lists it, with the model names its /v1/models answers. */
export async function describeDevnetProvider({ daemon, provider }: StartedProvider): Promise<DevnetProvider> {
  const response = await fetch(`${provider.url}/v1/models`, { signal: AbortSignal.timeout(5000) })
  const body = (await response.json()) as { data: { id: string }[] }
  return {
    address: provider.account.address,
    url: provider.url,
    models: body.data.map((m) => m.id),
    region: provider.region,
    pid: daemon.pid,
    config: provider.configFile,
    log: daemon.logFile,
  }
}
