import { readFile } from 'node:fs/promises'
import { openDatabase } from '@infermesh/node/database'
import { connect, uptimeAbi } from '@infermesh/protocol'
import pino, { type Logger } from 'pino'
import { migrateExplorerDatabase } from './db/migrateExplorerDatabase.js'
import type { ExplorerConfig } from './explorerConfig.js'
import { createIndexer, type Indexer } from './indexer/createIndexer.js'
import { createEventHandlers } from './indexer/eventHandlers.js'
import { createProbes } from './probes/createProbes.js'
import { createExplorerMetrics } from './server/createExplorerMetrics.js'
import { createExplorerServer, type ExplorerStatus } from './server/createExplorerServer.js'
import { createValidatorPolls } from './validators/createValidatorPolls.js'

export type StartExplorerOptions = {
  config: ExplorerConfig
  logger?: Logger
  /** The built web app to serve (see `ensureWebBuild`); the API only when absent. */
  webDir?: string
  /** Told, before the first sync, the block the index resumes after (undefined: from the deployment). */
  onIndexStart?: (resumedAfter: bigint | undefined) => void
}

export type RunningExplorer = {
  url: string
  indexer: Indexer
  status: () => ExplorerStatus
  close: () => Promise<void>
}

const referencePricesFile = new URL('../reference-prices.json', import.meta.url)

/**
 * Starts the explorer: database (PGlite or PostgreSQL), the indexer following the contracts' events,
 * the probes of each provider's public endpoints, the polls of each validator's reports and reputation,
 * and the HTTP server (API, live updates, web app).
 * It answers /ready once the indexer has caught up with the chain. `close` stops in reverse order.
 *
 * @example
 * const explorer = await startExplorer({ config: explorerConfigSchema.parse(json), webDir })
 */
export async function startExplorer(options: StartExplorerOptions): Promise<RunningExplorer> {
  const { config, logger, webDir } = options
  const log = logger ?? pino({ name: 'infermesh-explorer' })
  const cleanups: (() => Promise<void>)[] = []
  const close = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e: Error) => log.warn({ msg: 'cleanup failed', err: e.message }))
    cleanups.length = 0
  }
  try {
    const { publicClient, chain } = await connect({ rpcUrl: config.chain.rpcUrl })
    const db = await openDatabase({
      ...(config.database.url && { url: config.database.url }),
      ...(config.database.dir && { dataDir: config.database.dir }),
    })
    cleanups.push(() => db.close())
    if (await migrateExplorerDatabase(db))
      log.info({ msg: 'the index was made by another version of the explorer: indexing the chain again' })
    const metrics = createExplorerMetrics()
    const listeners = new Set<(change: { reason: string; block: string }) => void>()
    const notify = (reason: string) => {
      const change = { reason, block: indexer.progress().indexedBlock.toString() }
      for (const listener of listeners) listener(change)
    }
    let caughtUp = false
    const indexer = createIndexer({
      db,
      publicClient,
      contracts: createEventHandlers(config.chain.contracts),
      startBlock: config.chain.startBlock,
      confirmations: config.indexer.confirmations,
      batchBlocks: config.indexer.batchBlocks,
      pollMs: config.indexer.pollMs,
      log,
      onProgress: (progress) => {
        metrics.indexedBlock.set(Number(progress.indexedBlock))
        metrics.headBlock.set(Number(progress.headBlock))
        metrics.events.inc(progress.events)
        if (progress.rewoundTo !== undefined) metrics.reorgs.inc()
        if (progress.quarantined) metrics.quarantined.inc(progress.quarantined)
        if (progress.events > 0 || progress.rewoundTo !== undefined) notify('chain')
      },
    })
    const [cursor] = await db.query<{ block_number: string }>('select block_number from indexer_cursor')
    const resumedAfter = cursor ? BigInt(cursor.block_number) : undefined
    options.onIndexStart?.(resumedAfter)
    // Caught up once before answering /ready: the first page a person sees is complete.
    await indexer.syncOnce()
    caughtUp = true
    indexer.start()
    cleanups.push(() => indexer.stop())

    const probes = createProbes({
      db,
      intervalMs: config.probes.intervalMs,
      timeoutMs: config.probes.timeoutMs,
      allowPrivatePeers: config.allowPrivatePeers,
      log,
      onRound: (changed) => {
        if (changed > 0) notify('probes')
      },
    })
    probes.start()
    cleanups.push(() => probes.stop())

    const validatorPolls = createValidatorPolls({
      db,
      intervalMs: config.validators.intervalMs,
      timeoutMs: config.validators.timeoutMs,
      reportsLimit: config.validators.reportsLimit,
      allowPrivatePeers: config.allowPrivatePeers,
      log,
      onRound: (changed) => {
        if (changed > 0) notify('validators')
      },
    })
    validatorPolls.start()
    cleanups.push(() => validatorPolls.stop())

    // The floor set at deployment has no event: read it once; `FloorSet` events replace it.
    const uptime = config.chain.contracts.uptime
    const uptimeFloor = uptime
      ? await publicClient
          .readContract({ address: uptime, abi: uptimeAbi, functionName: 'floor' })
          .then(Number)
          .catch((error: Error) => {
            log.warn({ msg: 'could not read the Uptime floor', err: error.message })
            return undefined
          })
      : undefined

    const status = (): ExplorerStatus => ({
      chainId: chain.id,
      indexedBlock: indexer.progress().indexedBlock.toString(),
      headBlock: indexer.progress().headBlock.toString(),
      contracts: Object.fromEntries(Object.entries(config.chain.contracts).filter(([, v]) => v)) as Record<
        string,
        string
      >,
    })
    const referencePrices = JSON.parse(await readFile(referencePricesFile, 'utf8')) as unknown
    const app = createExplorerServer({
      db,
      chainId: chain.id,
      registry: config.chain.contracts.registry,
      metrics,
      logger: log,
      status,
      isReady: () => caughtUp,
      onlineWithinMs: config.probes.intervalMs * 3 + config.probes.timeoutMs,
      ...(uptimeFloor !== undefined && { uptimeFloor }),
      referencePrices,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      onWrite: () => notify('profile'),
      ...(webDir && { webDir }),
    })
    await app.listen({ host: config.server.host, port: config.server.port })
    cleanups.push(async () => {
      // Live-update streams never end on their own: close them with the server.
      const sweep = setInterval(() => app.server.closeAllConnections(), 50)
      await app.close().finally(() => clearInterval(sweep))
    })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.server.port
    const url = `http://${config.server.host}:${port}`
    log.info({ msg: 'explorer ready', url, indexedBlock: indexer.progress().indexedBlock.toString() })
    return { url, indexer, status, close }
  } catch (error) {
    await close()
    throw error
  }
}
