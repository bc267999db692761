import Fastify, { type FastifyBaseLogger, type FastifyError } from 'fastify'
import { Counter, Gauge, Registry } from 'prom-client'
import { ValidatorError } from '../errors.js'
import type { Reputation } from '../samples/createReputation.js'

export type ValidatorServerOptions = {
  logger: FastifyBaseLogger | boolean
  maxBodyBytes: number
  reputation: Reputation
  /** Checks and queues a sample (`POST /infermesh/v1/samples`); throws a ValidatorError to refuse it. */
  acceptSample: (body: unknown) => Promise<{ id: string }>
  /** What `GET /infermesh/v1/status` shows. */
  status: () => Promise<Record<string, unknown>>
  isReady: () => boolean
  metrics: ValidatorMetrics
}

/** The validator's Prometheus metrics, on a registry of its own. */
export function createValidatorMetrics() {
  const registry = new Registry()
  return {
    registry,
    samples: new Counter({
      name: 'infermesh_validator_samples_total',
      help: 'Samples received, by outcome of the intake (accepted or the refusal code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    verdicts: new Counter({
      name: 'infermesh_validator_verdicts_total',
      help: 'Re-executions, by source and verdict',
      labelNames: ['source', 'verdict'],
      registers: [registry],
    }),
    disputes: new Counter({
      name: 'infermesh_validator_disputes_opened_total',
      help: 'Disputes this validator opened',
      registers: [registry],
    }),
    queue: new Gauge({
      name: 'infermesh_validator_queue_length',
      help: 'Samples waiting for re-execution',
      registers: [registry],
    }),
  }
}

export type ValidatorMetrics = ReturnType<typeof createValidatorMetrics>

/**
 * The validator's HTTP API: gateways post samples; anyone reads reputation, recent reports and status.
 * Errors answer in OpenAI's shape `{ error: { message, type, param, code } }`.
 */
export function createValidatorServer(options: ValidatorServerOptions) {
  const app = Fastify({
    ...(typeof options.logger === 'boolean'
      ? { logger: options.logger }
      : { loggerInstance: options.logger }),
    bodyLimit: options.maxBodyBytes,
  })

  app.setErrorHandler((error: FastifyError | ValidatorError, request, reply) => {
    if (error instanceof ValidatorError) {
      if (error.status >= 500) request.log.error({ msg: error.message, code: error.code })
      return reply.code(error.status).send(error.toJSON())
    }
    const status = (error as FastifyError).statusCode ?? 500
    if (status >= 500) request.log.error({ msg: 'unexpected error', err: error.message })
    const code =
      status === 413
        ? 'request_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : status >= 500
            ? 'internal_error'
            : 'invalid_request'
    return reply.code(status).send(
      new ValidatorError(status >= 500 ? 'The validator failed; it keeps running.' : error.message, {
        status,
        code,
      }).toJSON(),
    )
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(
      new ValidatorError(`No route ${request.method} ${request.url}.`, {
        status: 404,
        code: 'not_found',
      }).toJSON(),
    ),
  )

  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (_request, reply) =>
    options.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'starting' }),
  )
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.registry.contentType)
    return options.metrics.registry.metrics()
  })

  app.post('/infermesh/v1/samples', async (request, reply) => {
    try {
      const { id } = await options.acceptSample(request.body)
      options.metrics.samples.inc({ outcome: 'accepted' })
      return reply.code(202).send({ object: 'infermesh.sample', id, status: 'queued' })
    } catch (error) {
      options.metrics.samples.inc({ outcome: error instanceof ValidatorError ? error.code : 'error' })
      throw error
    }
  })
  app.get('/infermesh/v1/reputation', async () => ({ object: 'list', data: options.reputation.list() }))
  app.get('/infermesh/v1/reports', async (request) => {
    const limit = Number((request.query as { limit?: string }).limit ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidatorError('`limit` must be a whole number from 1 to 500.', {
        status: 400,
        code: 'invalid_request',
      })
    }
    return { object: 'list', data: options.reputation.reports(limit) }
  })
  app.get('/infermesh/v1/status', async () => options.status())
  return app
}
