import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import type { Registry } from 'prom-client'
import secureJson from 'secure-json-parse'
import { HttpError } from '../errors/HttpError.js'
import { jsonDepthExceeds } from '../json/jsonDepthExceeds.js'
import { normalizePath } from './normalizePath.js'
import { type HttpErrorClass, toHttpError } from './toHttpError.js'

export type DaemonAppOptions = {
  /** The daemon's name in messages: "provider", "gateway", "validator", "explorer". */
  name: string
  logger: FastifyBaseLogger | boolean
  /** Largest request body in bytes; larger gets 413 `body_too_large`. */
  bodyLimit: number
  /** Deepest nesting of objects and arrays a JSON body may have (default 64); deeper gets 400. */
  maxJsonDepth?: number
  /** The daemon's own HttpError subclass, for the errors the kit makes. */
  ErrorClass?: HttpErrorClass
  /** Served as Prometheus text on GET /metrics. */
  metrics?: { registry: Registry }
  /** Extra fields of GET /health (`status: 'ok'` is always there). */
  health?: () => Record<string, unknown>
  /** GET /ready: 200 when `ready` is true, else 503; the other fields are shown as they are. */
  ready?: () =>
    | ({ ready: boolean } & Record<string, unknown>)
    | Promise<{ ready: boolean } & Record<string, unknown>>
  /** Called with every error answer (after mapping), e.g. to count it in the daemon's metrics. */
  onError?: (failure: HttpError, request: FastifyRequest, reply: FastifyReply) => void
  /** Fastify options the daemon sets itself (e.g. `return503OnClosing`). */
  fastify?: Omit<
    FastifyServerOptions,
    'logger' | 'loggerInstance' | 'bodyLimit' | 'rewriteUrl' | 'frameworkErrors'
  >
}

/**
 * The skeleton every daemon's HTTP server starts from: Fastify with a JSON parser bounded in size and
 * depth (and safe from prototype poisoning), paths normalized before any hook sees them, /health,
 * /ready and /metrics, and one not-found handler and one error mapper answering in OpenAI's shape.
 * A route that throws never takes the daemon down: the client gets a JSON error, the log the cause.
 *
 * @example
 * const app = createDaemonApp({ name: 'validator', logger, bodyLimit: 4 << 20, metrics, ready: () => ({ ready: true }) })
 * app.post('/infermesh/v1/samples', handler)
 */
export function createDaemonApp(options: DaemonAppOptions): FastifyInstance {
  const maxDepth = options.maxJsonDepth ?? 64
  const app = Fastify({
    ...options.fastify,
    ...(typeof options.logger === 'boolean'
      ? { logger: options.logger }
      : { loggerInstance: options.logger }),
    bodyLimit: options.bodyLimit,
    rewriteUrl: (request) => normalizePath(request.url ?? '/'),
    // Fastify's own refusals before routing (a malformed URL like `/%`, a bad header) in OpenAI's
    // shape too, so every answer a client gets from a daemon parses the same way.
    frameworkErrors: (error, _request, frameworkReply) => {
      const reply = frameworkReply as unknown as FastifyReply
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400
      const ErrorType = options.ErrorClass ?? HttpError
      reply
        .code(status)
        .type('application/json; charset=utf-8')
        .send(
          new ErrorType(`The request is malformed: ${error.message.slice(0, 200)}`, {
            status,
            code: 'invalid_request',
          }).toJSON(),
        )
    },
  }) as unknown as FastifyInstance
  const ErrorClass = options.ErrorClass

  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = text as string
    if (body.length === 0) {
      done(Object.assign(new Error('empty body'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }))
      return
    }
    if (jsonDepthExceeds(body, maxDepth)) {
      done(
        Object.assign(new Error(`The request body nests deeper than ${maxDepth} levels.`), {
          statusCode: 400,
        }),
      )
      return
    }
    try {
      done(null, secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (error) {
      done(error instanceof SyntaxError ? error : Object.assign(error as Error, { statusCode: 400 }))
    }
  })

  app.get('/health', async () => ({ status: 'ok', ...options.health?.() }))
  app.get('/ready', async (_request, reply) => {
    const state = (await options.ready?.()) ?? { ready: true }
    reply.code(state.ready ? 200 : 503)
    return state
  })
  if (options.metrics) {
    const { registry } = options.metrics
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', registry.contentType)
      return registry.metrics()
    })
  }

  app.setNotFoundHandler(async (request, reply) => {
    const failure = toHttpError(
      Object.assign(new Error(`No route ${request.method} ${request.url.slice(0, 200)}.`), {
        statusCode: 404,
      }),
      { name: options.name, bodyLimit: options.bodyLimit, ErrorClass },
    )
    const notFound = new (ErrorClass ?? (failure.constructor as HttpErrorClass))(failure.shortMessage, {
      status: 404,
      code: 'not_found',
    })
    options.onError?.(notFound, request, reply)
    reply.code(404)
    return notFound.toJSON()
  })

  app.setErrorHandler(async (error, request, reply) => {
    const failure = toHttpError(error, { name: options.name, bodyLimit: options.bodyLimit, ErrorClass })
    // A crash (500) is an error with its stack; a daemon saying it is busy, shutting down or waiting
    // on a peer (502–504, its own words) is a warning of one line.
    if (failure.status === 500) {
      request.log.error({ msg: 'request failed', code: failure.code, err: failure.cause ?? failure })
    } else if (failure.status > 500) {
      request.log.warn({ msg: failure.shortMessage, code: failure.code, status: failure.status })
    }
    if (failure.status === 429 || failure.status === 503) reply.header('retry-after', '1')
    options.onError?.(failure, request, reply)
    reply.code(failure.status)
    return failure.toJSON()
  })

  return app
}
