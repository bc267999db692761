import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { freePort } from '@infermesh/protocol'
import { CliError } from '../CliError.js'
import type { ExplorerConfigInput } from '../explorerPackage.js'
import { copyEmptyDatabase } from './copyEmptyDatabase.js'
import { type Daemon, describeExit, spawnDaemon } from './spawnDaemon.js'
import { answersOk, waitUntil } from './waitUntil.js'

/** The explorer of the devnet, as devnet.json lists it. */
export type DevnetExplorer = { url: string; pid: number; config: string; log: string }

/** The explorer's port when none is asked for: 8080 when free, else any free port. */
export const defaultExplorerPort = 8080

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/**
 * Starts the devnet's explorer as a child process (`infermesh explorer --config
 * <root>/explorer/explorer.json`): it indexes the chain from the deployment's block with no
 * confirmations (reorgs are still rewound), probes the providers every 2 s, and builds its web app
 * first when needed. Resolves once it answers /ready; rejects when it exits first or `abandon` rejects.
 */
export async function startDevnetExplorer(params: {
  /** `<dir>/devnet`. */
  root: string
  /** `<dir>`: its `cache/` holds the empty database to copy. */
  dir: string
  logs: string
  env: NodeJS.ProcessEnv
  rpcUrl: string
  deployment: { contracts: ExplorerConfigInput['chain']['contracts']; startBlock: bigint }
  /** 0 for any free port; undefined for 8080 when free. */
  port: number | undefined
  /** Picks a free port no other process of the devnet was given. Default `freePort`. */
  pickPort?: () => Promise<number>
  onSpawn: (daemon: Daemon) => void
  log: (line: string) => void
  abandon: Promise<never>
}): Promise<DevnetExplorer> {
  const explorerDir = join(params.root, 'explorer')
  await mkdir(explorerDir, { recursive: true })
  await copyEmptyDatabase({ cacheDir: join(params.dir, 'cache'), targets: [join(explorerDir, 'data')] })
  const pick = params.pickPort ?? freePort
  const port =
    params.port === undefined
      ? (await portIsFree(defaultExplorerPort))
        ? defaultExplorerPort
        : await pick()
      : params.port === 0
        ? await pick()
        : params.port
  if (params.port !== undefined && params.port !== 0 && !(await portIsFree(port)))
    throw new CliError(
      `port ${port} is in use: pass --explorer-port with a free port for the explorer (0 for any)`,
    )
  const config: ExplorerConfigInput = {
    chain: {
      rpcUrl: params.rpcUrl,
      contracts: params.deployment.contracts,
      startBlock: params.deployment.startBlock.toString(),
    },
    server: { host: '127.0.0.1', port },
    database: { dir: 'data' },
    indexer: { confirmations: 0, pollMs: 500 },
    probes: { intervalMs: 2000, timeoutMs: 1500 },
  }
  const configFile = join(explorerDir, 'explorer.json')
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`)
  const daemon = await spawnDaemon({
    name: 'explorer',
    args: ['explorer', '--config', configFile],
    logFile: join(params.logs, 'explorer.log'),
    env: params.env,
  })
  params.onSpawn(daemon)
  const url = `http://127.0.0.1:${port}`
  params.log(`starting at ${url} (pid ${daemon.pid})`)
  const exited = daemon.exited.then(async (result) => {
    throw new CliError(
      `explorer stopped while starting (${describeExit(result)}); the end of its log ${daemon.logFile}:\n${await daemon.tail()}`,
    )
  })
  await waitUntil(() => answersOk(`${url}/ready`), {
    timeoutMs: 180_000,
    message: `the explorer did not answer ${url}/ready within 3 minutes; see ${daemon.logFile}`,
    abandon: Promise.race([exited, params.abandon]),
  })
  params.log('ready: indexed the chain, serving the web app')
  return { url, pid: daemon.pid, config: configFile, log: daemon.logFile }
}
