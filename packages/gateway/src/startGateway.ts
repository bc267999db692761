import { connect, paymentsAbi, voucherHeader } from '@infermesh/protocol'
import { openDatabase } from '@infermesh/provider/database'
import pino, { type Logger } from 'pino'
import type { Address, LocalAccount } from 'viem'
import { createDiscovery } from './discovery/createDiscovery.js'
import type { GatewayConfig } from './gatewayConfig.js'
import { createPayer } from './payments/createPayer.js'
import { createProviderStats } from './routing/createProviderStats.js'
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
  discovery: ReturnType<typeof createDiscovery>
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
    const store = await createGatewayStore(db)
    const stats = createProviderStats({
      failuresToSuspend: config.routing.failuresToSuspend,
      suspendMs: config.routing.suspendMs,
    })
    const metrics = createGatewayMetrics()
    const discovery = createDiscovery({
      publicClient,
      registry: config.chain.contracts.registry,
      stats,
      refreshMs: config.discovery.refreshMs,
      probeMs: config.discovery.probeMs,
      log,
    })
    await discovery.start()
    cleanups.push(async () => discovery.stop())
    metrics.providers.set(discovery.providerCount())

    const payer = createPayer({
      account,
      chainId: chain.id,
      payments: config.chain.contracts.payments,
      store,
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
      for (const channel of await store.channels()) {
        const endpoint = discovery.endpointOf(channel.provider)
        if (!endpoint) continue
        try {
          const response = await fetch(`${endpoint}/infermesh/v1/vouchers`, {
            method: 'POST',
            headers: { [voucherHeader]: await payer.voucherHeader(channel.provider, channel.modelId, true) },
            signal: AbortSignal.timeout(5000),
          })
          if (response.ok) sent++
          else
            log.warn({
              msg: 'provider refused a voucher',
              provider: channel.provider,
              status: response.status,
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

    let ready = false
    const app = createGatewayServer({
      discovery,
      stats,
      payer,
      store,
      metrics,
      logger: log,
      maxBodyBytes: config.server.maxBodyBytes,
      routing: config.routing,
      isReady: () => ready,
      ...(onReceipt && { onReceipt }),
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
    log.info({ msg: 'gateway ready', url, payer: account.address, providers: discovery.providerCount() })
    return { url, payer: account.address, store, discovery, flushVouchers, close }
  } catch (error) {
    await close()
    throw error
  }
}
