import { createDaemonApp } from '@infermesh/node'
import { voucherHeader } from '@infermesh/protocol'
import type { FastifyBaseLogger } from 'fastify'
import { Counter, Gauge, Registry } from 'prom-client'
import { ValidatorError } from '../errors.js'
import type { Reputation } from '../samples/createReputation.js'

export type ValidatorServerOptions = {
  logger: FastifyBaseLogger | boolean
  maxBodyBytes: number
  reputation: Reputation
  /**
   * Checks and queues a sample (`POST /infermesh/v1/samples`) with its fee voucher (the
   * `x-infermesh-voucher` header, when sent); throws a ValidatorError to refuse it.
   */
  acceptSample: (body: unknown, voucher: string | undefined) => Promise<{ id: string }>
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
 * The validator's HTTP API on the daemon kit (`createDaemonApp`: bounded JSON, paths normalized,
 * /health, /ready, /metrics, one error mapper): gateways and customers post samples; anyone reads
 * reputation, recent reports and status. Errors answer in OpenAI's shape
 * `{ error: { message, type, param, code } }`.
 */
export function createValidatorServer(options: ValidatorServerOptions) {
  const app = createDaemonApp({
    name: 'validator',
    logger: options.logger,
    bodyLimit: options.maxBodyBytes,
    ErrorClass: ValidatorError,
    metrics: options.metrics,
    ready: () => {
      const ready = options.isReady()
      return { ready, status: ready ? 'ready' : 'starting' }
    },
  })

  app.post('/infermesh/v1/samples', async (request, reply) => {
    try {
      const header = request.headers[voucherHeader]
      const { id } = await options.acceptSample(
        request.body,
        Array.isArray(header) ? header.join(',') : header,
      )
      options.metrics.samples.inc({ outcome: 'accepted' })
      return reply.code(202).send({ object: 'infermesh.sample', id, status: 'queued' })
    } catch (error) {
      options.metrics.samples.inc({ outcome: error instanceof ValidatorError ? error.code : 'error' })
      throw error
    }
  })
  app.get('/infermesh/v1/reputation', async () => ({ object: 'list', data: options.reputation.list() }))
  app.get('/infermesh/v1/reports', async (request) => {
    const raw = (request.query as { limit?: unknown }).limit ?? '100'
    const limit = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidatorError('`limit` must be a whole number from 1 to 500.', {
        status: 400,
        code: 'invalid_request',
        param: 'limit',
      })
    }
    return { object: 'list', data: options.reputation.reports(limit) }
  })
  app.get('/infermesh/v1/status', async () => options.status())
  return app
}
