import { createDaemonApp } from '@infermesh/node'
import type { FastifyInstance } from 'fastify'
import { ProviderError } from '../errors.js'
import type { ProviderServerOptions } from './ProviderServerOptions.js'
import { chatRoute } from './routes/chatRoute.js'
import { completionsRoute } from './routes/completionsRoute.js'
import { embeddingsRoute } from './routes/embeddingsRoute.js'
import { modelsRoute } from './routes/modelsRoute.js'
import { vouchersRoute } from './routes/vouchersRoute.js'

/**
 * The provider's HTTP server: OpenAI-compatible inference (chat, completions, embeddings, models),
 * paid by vouchers and answered with signed receipts, on the daemon kit's app (bounded JSON, /health,
 * /ready, /metrics, errors in OpenAI's shape). Each route has its own file under `routes/`; the
 * inference routes all go through `withAdmission`. The wire protocol is documented in
 * packages/protocol/PROTOCOL.md.
 *
 * @example
 * const app = createProviderServer({ backend, models, gate, store, account, chainId, payments, limiter, metrics, logger, maxBodyBytes, requestTimeoutMs })
 * await app.listen({ host: '127.0.0.1', port: 8080 })
 */
export function createProviderServer(options: ProviderServerOptions): FastifyInstance {
  const { metrics } = options
  const app = createDaemonApp({
    name: 'provider',
    logger: options.logger,
    bodyLimit: options.maxBodyBytes,
    ErrorClass: ProviderError,
    metrics,
    health: () => ({ provider: options.account.address }),
    ready: () => ({ ready: options.isReady?.() ?? true }),
    onError: (failure, request) =>
      metrics.requests.inc({
        route: request.routeOptions.url ?? 'unknown',
        model: '',
        status: failure.status,
      }),
    fastify: {
      forceCloseConnections: false,
      // While closing, requests still arriving on kept-alive connections get the OpenAI-shaped 503
      // `shutting_down` of the onRequest hook below, not Fastify's own 503 body.
      return503OnClosing: false,
    },
  })

  app.addHook('onRequest', async (request) => {
    if (options.isClosing?.() && request.method === 'POST') {
      throw new ProviderError('The provider is shutting down; send the request to another provider.', {
        status: 503,
        code: 'shutting_down',
        retryable: true,
      })
    }
  })

  chatRoute(app, options)
  completionsRoute(app, options)
  embeddingsRoute(app, options)
  vouchersRoute(app, options)
  modelsRoute(app, options)
  return app
}
