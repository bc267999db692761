import { writeFile } from 'node:fs/promises'
import type { Deployment } from '@infermesh/protocol'
import type { GatewayFileConfigInput } from '../gateway/gatewayFileSchema.js'
import { type Daemon, spawnDaemon } from '../network/spawnDaemon.js'
import { devnetSampleFee } from './devnetSampleFee.js'
import type { DevnetPlan } from './planDevnet.js'

/**
 * Writes the devnet gateway's config (owner-only: it holds the payer's dev key) and starts its process
 * (`infermesh gateway start`), paying as the dev payer. It follows the Registry's events, so it may
 * start before the providers are registered.
 */
export async function startDevnetGateway(params: {
  plan: DevnetPlan
  deployment: Deployment
  env: NodeJS.ProcessEnv
  log: (what: string, line: string) => void
}): Promise<Daemon> {
  const { plan, deployment } = params
  const gateway = plan.gateway
  const config: GatewayFileConfigInput = {
    chain: { rpcUrl: plan.chain.rpcUrl, contracts: deployment.contracts },
    server: { host: '127.0.0.1', port: gateway.port },
    allowPrivatePeers: true, // every daemon of the devnet listens on 127.0.0.1
    database: { dir: gateway.dataDir },
    payer: { privateKey: plan.payer.privateKey },
    // Everything shares this machine's cores: a busy machine must slow the devnet, not fail it. A dead
    // provider still fails over at once (its connection is refused); only a silent one waits this long.
    routing: { firstByteTimeoutMs: 90_000, suspendMs: 10_000 },
    discovery: { refreshMs: 5_000, probeMs: 500 },
    sampling: { probability: gateway.samplingProbability, sampleFee: devnetSampleFee.toString() },
  }
  await writeFile(gateway.configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  const daemon = await spawnDaemon({
    name: 'gateway',
    args: ['gateway', 'start', '--config', gateway.configFile],
    logFile: gateway.logFile,
    env: params.env,
  })
  params.log('gateway', `starting at ${gateway.url} (pid ${daemon.pid}), paying as ${plan.payer.address}`)
  return daemon
}
