import { providerClient } from '@infermesh/client'
import { createDaemonApp } from '@infermesh/node'
import type { Payer } from '@infermesh/payments'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import { forward } from '../forward/forward.js'
import type { ForwardContext, Kind, ReceiptEvent, RoutingOptions } from '../forward/types.js'
import type { ProviderStats } from '../routing/createProviderStats.js'
import type { RoutingTable } from '../routing/createRoutingTable.js'
import type { GatewayStore } from '../store/createGatewayStore.js'
import { createApiKeyCheck } from './createApiKeyCheck.js'
import type { GatewayMetrics } from './createGatewayMetrics.js'
import { requireApiKey } from './requireApiKey.js'

export type GatewayServerOptions = {
  /** Routing candidates and the models offered, from discovery (createRoutingTable). */
  discovery: RoutingTable
  stats: ProviderStats
  payer: Payer
  store: GatewayStore
  metrics: GatewayMetrics
  logger: FastifyBaseLogger | boolean
  maxBodyBytes: number
  routing: RoutingOptions
  /** Call providers at loopback and private addresses: a devnet only (config `allowPrivatePeers`). */
  allowPrivatePeers?: boolean
  isReady?: () => boolean
  /** Called after each verified receipt (e.g. to sample it for verification). */
  onReceipt?: (event: ReceiptEvent) => void
}

/**
 * The customer's endpoint: OpenAI's API with API keys, over every provider on the network. Built on
 * the daemon kit (/health, /ready, /metrics, bounded JSON, paths normalized, one error mapper); each
 * /v1 route checks the API key itself. Paid requests go through `forward`: validated, routed, paid
 * with a voucher, failed over to the next provider, and billed from the provider's verified receipt.
 */
export function createGatewayServer(options: GatewayServerOptions) {
  const { discovery, payer, store, metrics } = options
  const app = createDaemonApp({
    name: 'gateway',
    logger: options.logger,
    bodyLimit: options.maxBodyBytes,
    ErrorClass: GatewayError,
    metrics,
    health: () => ({ payer: payer.address }),
    ready: () => ({ ready: options.isReady?.() ?? true, providers: discovery.providerCount() }),
    onError: (failure, request) =>
      metrics.requests.inc({ route: request.routeOptions.url ?? 'unknown', status: failure.status }),
  })
  const context: ForwardContext = {
    discovery,
    stats: options.stats,
    payer,
    store,
    metrics,
    providers: providerClient({ allowPrivate: options.allowPrivatePeers ?? false }),
    routing: options.routing,
    ...(options.onReceipt && { onReceipt: options.onReceipt }),
  }
  const v1 = { onRequest: createApiKeyCheck(store) }
  const paid = (kind: Kind) => (request: FastifyRequest, reply: FastifyReply) =>
    forward(context, kind, requireApiKey(request), request, reply)

  app.post('/v1/chat/completions', v1, paid('chat'))
  app.post('/v1/completions', v1, paid('completion'))
  app.post('/v1/embeddings', v1, paid('embeddings'))

  app.get('/v1/models', v1, async (request) => {
    requireApiKey(request)
    return {
      object: 'list',
      data: discovery.models().map((model) => ({
        id: model.name,
        object: 'model',
        created: 0,
        owned_by: 'infermesh',
        infermesh: {
          modelId: model.modelId,
          providers: model.providers,
          pricePerMInput: {
            min: model.pricePerMInput.min.toString(),
            max: model.pricePerMInput.max.toString(),
          },
          pricePerMOutput: {
            min: model.pricePerMOutput.min.toString(),
            max: model.pricePerMOutput.max.toString(),
          },
        },
      })),
    }
  })

  app.get('/v1/usage', v1, async (request) => {
    const apiKey = requireApiKey(request)
    const usage = await store.usage(apiKey.id)
    return {
      object: 'usage',
      key: {
        id: apiKey.id,
        name: apiKey.name,
        spent: apiKey.spent.toString(),
        spendLimit: apiKey.spendLimit?.toString() ?? null,
      },
      ...usage,
    }
  })

  return app
}
