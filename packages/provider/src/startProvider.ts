import { type Backend, type CheatMode, createCheatingBackend, createLlamaBackend } from '@infermesh/llama'
import { openDatabase } from '@infermesh/node/database'
import {
  createAllocationReader,
  createPaymentGate,
  createSettler,
  createSqlChannelLedger,
  type Settler,
} from '@infermesh/payments'
import { connect, type ProviderConfig } from '@infermesh/protocol'
import pino, { type Logger } from 'pino'
import { createWalletClient, http, type LocalAccount } from 'viem'
import { createOpenAICompatibleBackend } from './backends/createOpenAICompatibleBackend.js'
import { ProviderError } from './errors.js'
import { createJobStore } from './jobs/createJobStore.js'
import { createJobWorker, type JobWorker } from './jobs/createJobWorker.js'
import { createLimiter } from './server/createLimiter.js'
import { createMetrics } from './server/createMetrics.js'
import { createProviderServer } from './server/createProviderServer.js'
import type { ServedModel } from './server/ProviderServerOptions.js'

export type StartProviderOptions = {
  config: ProviderConfig
  /** The provider's key (decrypted from the keystore by the caller). */
  account: LocalAccount
  logger?: Logger
}

export type RunningProvider = {
  url: string
  address: `0x${string}`
  models: ServedModel[]
  settler: Settler
  /** The on-chain job worker; undefined when no JobCoordinator is configured or `jobs.enabled` is off. */
  jobs?: JobWorker
  /** Stops taking requests, finishes those in flight, redeems what is owed, frees everything. */
  close: () => Promise<void>
}

/**
 * Starts a provider daemon from its resolved configuration: backend, database, payment gate,
 * HTTP server and settlement loop. Each part registers its own cleanup in `close`.
 *
 * @example
 * const provider = await startProvider({ config, account })
 * // … serve …
 * await provider.close()
 */
export async function startProvider({
  config,
  account,
  logger,
}: StartProviderOptions): Promise<RunningProvider> {
  const log = logger ?? pino({ name: 'infermesh-provider' })
  const cleanups: (() => Promise<void>)[] = []
  let closed: Promise<void> | undefined
  // Runs the cleanups once, last registered first; a second call (another signal) waits for the first.
  const close = () =>
    (closed ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch((error: Error) => log.warn({ msg: 'cleanup failed', err: error.message }))
      }
    })())
  try {
    const { publicClient, walletClient: wallet, chain } = await connectWith(config.chain.rpcUrl, account)
    if (config.chain.chainId && config.chain.chainId !== chain.id) {
      throw new ProviderError(
        `The chain at ${config.chain.rpcUrl} has id ${chain.id}, not ${config.chain.chainId} as configured.`,
        {
          status: 500,
          code: 'config_invalid',
        },
      )
    }

    let backend: Backend
    if (config.backend.kind === 'llama') {
      backend = await createLlamaBackend({
        models: config.backend.models.map((m) => ({
          name: m.name,
          path: m.path,
          embeddings: m.embeddings,
          ...(m.contextLength && { contextLength: m.contextLength }),
        })),
        sequences: config.backend.sequences,
        ...(config.backend.threads && { threads: config.backend.threads }),
        gpu: config.backend.gpu ? 'auto' : false,
      })
    } else {
      backend = createOpenAICompatibleBackend({
        baseUrl: config.backend.baseUrl,
        ...(config.backend.apiKey && { apiKey: config.backend.apiKey }),
        models: config.backend.models.map((m) => ({ ...m, modelId: m.modelId })),
      })
    }
    cleanups.push(() => backend.close())
    backend = (await cheatingFromEnv(process.env, config, backend, log)) ?? backend

    const backendModels = new Map(backend.models().map((m) => [m.name, m]))
    const models: ServedModel[] = config.offers.map((offer) => {
      const model = backendModels.get(offer.model)
      if (!model)
        throw new ProviderError(`The offer for '${offer.model}' names no model of the backend.`, {
          status: 500,
          code: 'config_invalid',
        })
      return { ...model, pricePerMInput: offer.pricePerMInput, pricePerMOutput: offer.pricePerMOutput }
    })

    const db = await openDatabase({
      ...(config.database.url && { url: config.database.url }),
      ...(config.database.dir && { dataDir: config.database.dir }),
    })
    cleanups.push(() => db.close())
    // PGlite belongs to this process: commits go through a write-ahead journal and reach it in batches.
    const ledger = await createSqlChannelLedger(db, {
      writeBehind: db.kind === 'pglite',
      onFlushError: (error) => log.warn({ msg: 'channel ledger commit failed', err: error.message }),
    })
    cleanups.push(async () => ledger.close?.())
    const payments = config.chain.contracts.payments
    const availableAllocation = createAllocationReader({
      publicClient,
      payments,
      provider: account.address,
      refreshMs: config.payments.depositRefreshMs,
    })
    const gate = createPaymentGate({
      chainId: chain.id,
      payments,
      provider: account.address,
      ledger,
      creditLimit: config.payments.creditLimit,
      availableAllocation,
      signatureClient: publicClient,
    })
    const metrics = createMetrics()
    const concurrency = config.backend.kind === 'llama' ? config.backend.sequences * models.length : 64
    const limiter = createLimiter({ concurrency, maxQueue: config.server.maxQueue })

    const settler = createSettler({
      ledger,
      publicClient,
      walletClient: wallet,
      payments,
      models: { address: config.chain.contracts.models, modelIds: models.map((model) => model.modelId) },
      batchSize: config.payments.settleBatchSize,
      intervalMs: config.payments.settleIntervalMs,
      minAmount: config.payments.minRedeemAmount,
      log,
      onRedeemed: (amount) => {
        metrics.redeemed.inc(Number(amount))
        availableAllocation.invalidate()
      },
      onWithdrawRequested: (payer) => availableAllocation.invalidate(payer),
      onAllocationSpent: (payer) => availableAllocation.invalidate(payer),
    })

    let ready = false
    let closing = false
    const app = createProviderServer({
      backend,
      models,
      gate,
      store: ledger,
      account,
      chainId: chain.id,
      payments,
      limiter,
      metrics,
      logger: log,
      maxBodyBytes: config.server.maxBodyBytes,
      requestTimeoutMs: config.server.requestTimeoutMs,
      isReady: () => ready,
      isClosing: () => closing,
    })
    await app.listen({ host: config.server.host, port: config.server.port })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.server.port
    const url = `http://${config.server.host}:${port}`
    // Cleanups run in reverse: the server drains first, then the last vouchers are redeemed.
    cleanups.push(async () => {
      await settler.stop()
      await settler
        .settleNow()
        .catch((error: Error) => log.warn({ msg: 'final settlement failed', err: error.message }))
    })
    cleanups.push(async () => {
      ready = false
      closing = true
      // A request in flight leaves its connection idle (keep-alive) when it ends: close such connections
      // as they appear, or a client that keeps its connection open would hold up the shutdown.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
      try {
        await app.close() // stops listening, waits for requests in flight
      } finally {
        clearInterval(sweep)
      }
    })
    settler.start()

    const coordinator = config.chain.contracts.jobCoordinator
    let jobs: JobWorker | undefined
    if (coordinator && config.jobs.enabled) {
      jobs = createJobWorker({
        publicClient,
        walletClient: wallet,
        account,
        chainId: chain.id,
        coordinator,
        payments,
        backend,
        models,
        limiter,
        store: await createJobStore(db),
        config: config.jobs,
        log,
        onDelivered: ({ jobId, gasUsed, latencyMs }) =>
          log.debug({ msg: 'job delivery', jobId: jobId.toString(), gasUsed: gasUsed.toString(), latencyMs }),
      })
      // Stops before the server drains (cleanups run in reverse): the job in hand finishes first.
      const worker = jobs
      cleanups.push(() => worker.stop())
      await jobs.start()
    }
    ready = true
    log.info({
      msg: 'provider ready',
      url,
      provider: account.address,
      models: models.map((m) => m.name),
      ...(jobs && { jobCoordinator: coordinator }),
    })
    return { url, address: account.address, models, settler, ...(jobs && { jobs }), close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Clients for the chain, the wallet signing with the provider's (possibly keystore-held) account. */
async function connectWith(rpcUrl: string, account: LocalAccount) {
  const { chain, publicClient } = await connect({ rpcUrl })
  const walletClient = createWalletClient({ account, chain, transport: http(rpcUrl), pollingInterval: 250 })
  return { chain, publicClient, walletClient }
}

const cheatModes: readonly CheatMode[] = ['other-model', 'truncate', 'random-tokens']

/**
 * TEST ONLY: `INFERMESH_CHEAT_MODE` (`other-model` with `INFERMESH_CHEAT_MODEL` = path of the other GGUF,
 * `truncate`, `random-tokens`) wraps the backend in `createCheatingBackend`, for adversarial tests of the
 * validator. Read once, at start-up; unset (always, in production) it changes nothing.
 */
async function cheatingFromEnv(
  env: NodeJS.ProcessEnv,
  config: ProviderConfig,
  honest: Backend,
  log: Logger,
): Promise<Backend | undefined> {
  const mode = env.INFERMESH_CHEAT_MODE
  if (!mode) return undefined
  if (!cheatModes.includes(mode as CheatMode))
    throw new ProviderError(`INFERMESH_CHEAT_MODE must be one of ${cheatModes.join(', ')}, not '${mode}'.`, {
      status: 500,
      code: 'config_invalid',
    })
  let impostor: Backend | undefined
  if (mode === 'other-model') {
    const path = env.INFERMESH_CHEAT_MODEL
    if (!path || config.backend.kind !== 'llama')
      throw new ProviderError(
        'INFERMESH_CHEAT_MODE=other-model needs a llama backend and INFERMESH_CHEAT_MODEL.',
        {
          status: 500,
          code: 'config_invalid',
        },
      )
    const [first] = honest.models()
    impostor = await createLlamaBackend({
      models: [{ name: first?.name ?? 'impostor', path }],
      sequences: config.backend.sequences,
      ...(config.backend.threads && { threads: config.backend.threads }),
    })
  }
  log.warn({
    msg: '!!! CHEATING PROVIDER: INFERMESH_CHEAT_MODE is set; answers are deliberately wrong (validator tests only) !!!',
    mode,
    ...(impostor && { impostorModel: env.INFERMESH_CHEAT_MODEL }),
  })
  return createCheatingBackend(honest, { mode: mode as CheatMode, ...(impostor && { impostor }) })
}
