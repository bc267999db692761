import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ExplorerConfigInput } from '@infermesh/explorer/config'
import { copyEmptyDatabase } from '../network/copyEmptyDatabase.js'
import { type Daemon, spawnDaemon } from '../network/spawnDaemon.js'
import { answersOk, waitUntil } from '../network/waitUntil.js'
import type { DevnetExplorer } from './Devnet.js'
import { exitOf } from './exitOf.js'
import type { DevnetPlan } from './planDevnet.js'

/**
 * Starts the devnet's explorer as a child process (`infermesh explorer --config
 * <root>/explorer/explorer.json`): it indexes the chain from the deployment's block with no
 * confirmations (reorgs are still rewound), probes the providers every 2 s, and builds its web app
 * first when needed. Resolves once it answers /ready; rejects when it exits first or `abandon` rejects.
 */
export async function startDevnetExplorer(params: {
  plan: DevnetPlan
  env: NodeJS.ProcessEnv
  deployment: { contracts: ExplorerConfigInput['chain']['contracts']; startBlock: bigint }
  onSpawn: (daemon: Daemon) => void
  log: (line: string) => void
  abandon: Promise<never>
}): Promise<DevnetExplorer> {
  const { plan } = params
  const explorer = plan.explorer
  await mkdir(explorer.dir, { recursive: true })
  await copyEmptyDatabase({ cacheDir: plan.cacheDir, targets: [join(explorer.dir, explorer.dataDir)] })
  const config: ExplorerConfigInput = {
    chain: {
      rpcUrl: plan.chain.rpcUrl,
      contracts: params.deployment.contracts,
      startBlock: params.deployment.startBlock.toString(),
    },
    server: { host: '127.0.0.1', port: explorer.port },
    database: { dir: explorer.dataDir },
    indexer: { confirmations: 0, pollMs: 500 },
    probes: { intervalMs: 2000, timeoutMs: 1500 },
    allowPrivatePeers: true, // every daemon of the devnet listens on 127.0.0.1
  }
  await writeFile(explorer.configFile, `${JSON.stringify(config, null, 2)}\n`)
  const daemon = await spawnDaemon({
    name: 'explorer',
    args: ['explorer', '--config', explorer.configFile],
    logFile: explorer.logFile,
    env: params.env,
  })
  params.onSpawn(daemon)
  params.log(`starting at ${explorer.url} (pid ${daemon.pid})`)
  await waitUntil(() => answersOk(`${explorer.url}/ready`), {
    timeoutMs: 180_000,
    message: `the explorer did not answer ${explorer.url}/ready within 3 minutes; see ${daemon.logFile}`,
    abandon: Promise.race([exitOf(daemon), params.abandon]),
  })
  params.log('ready: indexed the chain, serving the web app')
  return { url: explorer.url, pid: daemon.pid, config: explorer.configFile, log: daemon.logFile }
}
