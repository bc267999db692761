import { createDiscovery, type Discovery, handInVoucher } from '@infermesh/client'
import { openDatabase } from '@infermesh/node/database'
import {
  type Allocator,
  createAllocator,
  createPayer,
  createSqlPayerLedger,
  type PayerLedger,
} from '@infermesh/payments'
import { connect, disputesAbi, paymentsAbi, registryAbi, VERIFICATION_MODEL_ID } from '@infermesh/protocol'
import pino, { type Logger } from 'pino'
import { type Address, createWalletClient, http, type LocalAccount } from 'viem'
import type { GatewayConfig } from './gatewayConfig.js'
import { createProviderStats, type ProviderStats } from './routing/createProviderStats.js'
import { createRoutingTable } from './routing/createRoutingTable.js'
import { createSampleFees } from './sampling/createSampleFees.js'
import { createSampler, type Sampler } from './sampling/createSampler.js'
import { samplingFloor } from './sampling/samplingFloor.js'
import { createGatewayMetrics } from './server/createGatewayMetrics.js'
import { createGatewayServer, type GatewayServerOptions } from './server/createGatewayServer.js'
import { createGatewayStore, type GatewayStore } from './store/createGatewayStore.js'

export type StartGatewayOptions = {
  config: GatewayConfig
  /** The payer key of this gateway deployment. */
  account: LocalAccount
  logger?: Logger
  onReceipt?: GatewayServerOptions['onReceipt']
}

export type RunningGateway = {
  url: string
  payer: Address
  store: GatewayStore
  /** The payer's ledger: what verified receipts say is owed on each channel. */
  ledger: PayerLedger
  /** The payer's allocations to providers (lazy, batched, topped up below the watermark). */
  allocator: Allocator
  /** Who serves what (@infermesh/client): Registry, probes, model names, validators. */
  discovery: Discovery
  /** Proof of Sampling (absent when the deployment has no Disputes contract or the rate is 0). */
  sampler?: Sampler
  /**
   * Hands every provider the voucher for all verified work (post-pay leaves the last request of a
   * channel unvouchered until the next one), so providers can redeem everything. Runs on close too.
   */
  flushVouchers: () => Promise<number>
  close: () => Promise<void>
}

/**
 * Starts a gateway: database, discovery (Registry + probes), routing stats, the payer and the
 * HTTP server; warns when the payer's deposit runs low. `close` stops in reverse order.
 *
 * @example
 * const gateway = await startGateway({ config, account })
 */
export async function startGateway({
  config,
  account,
  logger,
  onReceipt,
}: StartGatewayOptions): Promise<RunningGateway> {
  const log = logger ?? pino({ name: 'infermesh-gateway' })
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
    // PGlite belongs to this process alone: the per-request writes (usage, the payer's billed totals)
    // go through write-ahead journals and reach it in batches. On a shared PostgreSQL they stay direct.
    const writeBehind = db.kind === 'pglite'
    const onJournalError = (error: unknown) =>
      log.warn({ msg: 'journal batch failed; retrying', err: (error as Error).message })
    const store = await createGatewayStore(db, { writeBehind, apiKeyCacheMs: 1000, onError: onJournalError })
    cleanups.push(() => store.close())
    const ledger = await createSqlPayerLedger(db, { writeBehind, onError: onJournalError })
    cleanups.push(async () => ledger.close?.())
    const stats = createProviderStats({
      failuresToSuspend: config.routing.failuresToSuspend,
      suspendMs: config.routing.suspendMs,
    })
    const metrics = createGatewayMetrics()
    // Discovery keeps no routing stats: probe outcomes and validators' verdicts are handed to them.
    const discovery = createDiscovery({
      publicClient,
      registry: config.chain.contracts.registry,
      models: config.chain.contracts.models,
      ...(config.chain.contracts.uptime && { uptime: config.chain.contracts.uptime }),
      allowPrivate: config.allowPrivatePeers,
      hotProbeMs: config.discovery.probeMs,
      refreshMs: config.discovery.refreshMs,
      log,
      onProbe: (provider, outcome) => stats.probed(provider, outcome.healthy, outcome.latencyMs),
      onJudged: (provider, judgement) => stats.judged(provider, judgement),
    })
    await discovery.start()
    cleanups.push(async () => discovery.stop())
    // Providers routed to are probed often, idle ones back off (discovery.used).
    const routedStats: ProviderStats = {
      ...stats,
      started: (provider) => {
        discovery.used(provider)
        stats.started(provider)
      },
    }
    const routingTable = createRoutingTable({ discovery, stats })
    metrics.providers.set(discovery.providerCount())

    const allocator = createAllocator({
      publicClient,
      walletClient: createWalletClient({ account, chain, transport: http(config.chain.rpcUrl) }),
      payments: config.chain.contracts.payments,
      ledger,
      target: config.payments.allocationWei,
      watermark: config.payments.allocationWatermarkWei,
      log,
    })
    cleanups.push(() => allocator.idle())
    const payer = createPayer({
      account,
      chainId: chain.id,
      payments: config.chain.contracts.payments,
      ledger,
      abortAllowanceCap: config.payments.abortAllowanceCapWei,
      allocator,
    })
    const checkDeposit = async () => {
      const deposit = await publicClient.readContract({
        address: config.chain.contracts.payments,
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [account.address],
      })
      metrics.deposit.set(Number(deposit))
      metrics.providers.set(discovery.providerCount())
      if (deposit < config.payments.lowDepositWei) {
        log.warn({
          msg: 'payer deposit is low: deposit more with `infermesh deposit`',
          payer: account.address,
          deposit: deposit.toString(),
        })
      }
    }
    await checkDeposit().catch(() => {})
    const timer = setInterval(() => void checkDeposit().catch(() => {}), config.payments.depositCheckMs)
    timer.unref()
    cleanups.push(async () => clearInterval(timer))

    const flushVouchers = async () => {
      let sent = 0
      for (const channel of await ledger.channels()) {
        // A sample's fee is paid with the sample itself: validators hold their latest voucher already.
        if (channel.modelId.toLowerCase() === VERIFICATION_MODEL_ID) continue
        const endpoint = discovery.endpointOf(channel.provider)
        if (!endpoint) continue
        try {
          const result = await handInVoucher(
            { allowPrivate: config.allowPrivatePeers },
            {
              endpoint,
              voucher: await payer.voucherHeader(channel.provider, channel.modelId, true),
              deadlineMs: 5000,
            },
          )
          if (result.kind === 'accepted') sent++
          else
            log.warn({
              msg: 'provider refused a voucher',
              provider: channel.provider,
              status: result.status,
              code: result.code,
            })
        } catch (error) {
          log.warn({
            msg: 'could not hand in a voucher',
            provider: channel.provider,
            err: (error as Error).message,
          })
        }
      }
      return sent
    }
    cleanups.push(async () => {
      await flushVouchers()
    })

    const disputes = config.chain.contracts.disputes
    const sampling = disputes !== undefined && config.sampling.probability > 0
    const stakeCap =
      config.sampling.sampleStakeCap ??
      (sampling
        ? 10n *
          (await publicClient.readContract({
            address: config.chain.contracts.registry,
            abi: registryAbi,
            functionName: 'minValidatorStake',
          }))
        : undefined)
    const sampler = sampling
      ? createSampler({
          account,
          chainId: chain.id,
          payments: config.chain.contracts.payments,
          disputes,
          probability: config.sampling.probability,
          validators: () => discovery.validators(),
          allowPrivate: config.allowPrivatePeers,
          log,
          ...(stakeCap !== undefined && { stakeCap }),
          ...(config.sampling.sampleFee > 0n && {
            fees: createSampleFees({
              account,
              chainId: chain.id,
              payments: config.chain.contracts.payments,
              ledger,
              allocator,
              fee: config.sampling.sampleFee,
            }),
          }),
        })
      : undefined
    if (sampler) cleanups.push(() => sampler.drain())
    if (disputes) {
      // Write the deterrence bound down where the operator sees it: p must exceed R / (R + S).
      await logSamplingFloor({ publicClient, config, log }).catch((error: Error) =>
        log.warn({ msg: 'could not read the dispute parameters', err: error.message }),
      )
    }
    const receiptHook: GatewayServerOptions['onReceipt'] = (event) => {
      if (sampler && event.kind !== 'embeddings') {
        sampler.consider({
          kind: event.kind,
          provider: event.candidate.provider,
          receipt: event.receipt,
          signedReceipt: event.signedReceipt,
          requestBody: event.requestBody,
          responseText: event.responseText,
        })
      }
      onReceipt?.(event)
    }

    let ready = false
    const app = createGatewayServer({
      discovery: routingTable,
      stats: routedStats,
      payer,
      store,
      metrics,
      logger: log,
      maxBodyBytes: config.server.maxBodyBytes,
      routing: config.routing,
      allowPrivatePeers: config.allowPrivatePeers,
      isReady: () => ready,
      onReceipt: receiptHook,
    })
    await app.listen({ host: config.server.host, port: config.server.port })
    cleanups.push(async () => {
      ready = false
      // app.close() waits for requests in flight; connections that turn idle afterwards would
      // otherwise linger until their keep-alive timeout, so close them as they go idle.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
      await app.close().finally(() => clearInterval(sweep))
    })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.server.port
    const url = `http://${config.server.host}:${port}`
    ready = true
    log.info({
      msg: 'gateway ready',
      url,
      payer: account.address,
      providers: discovery.providerCount(),
      validators: discovery.validators().length,
      samplingProbability: sampler ? config.sampling.probability : 0,
      sampleFee: sampler ? config.sampling.sampleFee.toString() : '0',
    })
    return {
      url,
      payer: account.address,
      store,
      ledger,
      allocator,
      discovery,
      ...(sampler && { sampler }),
      flushVouchers,
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * Logs the sampling rate against its floor from the chain's parameters: S = slashBps of the minimum
 * stake, R = a large job (4,096 input + 4,096 output tokens) at the highest offer now listed.
 */
async function logSamplingFloor(params: {
  publicClient: Awaited<ReturnType<typeof connect>>['publicClient']
  config: GatewayConfig
  log: Logger
}) {
  const { publicClient, config, log } = params
  const disputes = config.chain.contracts.disputes as `0x${string}`
  const [{ slashBps }, minStake] = await Promise.all([
    publicClient.readContract({ address: disputes, abi: disputesAbi, functionName: 'params' }),
    publicClient.readContract({
      address: config.chain.contracts.registry,
      abi: registryAbi,
      functionName: 'minStake',
    }),
  ])
  const slash = (minStake * BigInt(slashBps)) / 10_000n
  const providers = await publicClient.readContract({
    address: config.chain.contracts.registry,
    abi: registryAbi,
    functionName: 'getProviders',
    args: [0n, 100n],
  })
  let price = 0n
  for (const provider of providers)
    for (const offer of provider.offers) {
      const both = offer.pricePerMInput + offer.pricePerMOutput
      if (both > price) price = both
    }
  const jobPay = (price * 4096n) / 1_000_000n
  const floor = samplingFloor({ jobPay, slash })
  const msg =
    config.sampling.probability > floor
      ? 'sampling rate deters cheating: p·(R+S) > C'
      : 'sampling rate is below the deterrence floor R/(R+S): raise sampling.probability'
  log[config.sampling.probability > floor ? 'info' : 'warn']({
    msg,
    probability: config.sampling.probability,
    floor,
    jobPay: jobPay.toString(),
    slash: slash.toString(),
  })
}
