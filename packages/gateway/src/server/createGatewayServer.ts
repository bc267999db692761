import {
  canonicalJson,
  computeCost,
  hashRequest,
  hashResponse,
  type Receipt,
  readServerSentEvents,
  receiptEvent,
  receiptHeader,
  voucherHeader,
} from '@infermesh/protocol'
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Discovery } from '../discovery/createDiscovery.js'
import { GatewayError } from '../errors.js'
import type { Payer } from '../payments/createPayer.js'
import type { ProviderStats } from '../routing/createProviderStats.js'
import { rankProviders } from '../routing/rankProviders.js'
import type { Candidate, SortPolicy } from '../routing/types.js'
import type { ApiKey, GatewayStore } from '../store/createGatewayStore.js'
import type { GatewayMetrics } from './createGatewayMetrics.js'
import { parsePreferences } from './parsePreferences.js'

export type GatewayServerOptions = {
  discovery: Discovery
  stats: ProviderStats
  payer: Payer
  store: GatewayStore
  metrics: GatewayMetrics
  logger: FastifyBaseLogger | boolean
  maxBodyBytes: number
  routing: {
    defaultSort: SortPolicy
    /** Providers tried per request (first choice + fallbacks). */
    maxAttempts: number
    /** One overall time limit per request, ms. */
    deadlineMs: number
    /** Time limit for a provider's first byte, ms. */
    firstByteTimeoutMs: number
  }
  isReady?: () => boolean
  /** Called after each verified receipt (e.g. to sample it for verification). */
  onReceipt?: (event: {
    kind: Kind
    candidate: Candidate
    /** The body as sent to the provider (what the receipt's request hash covers). */
    requestBody: Record<string, unknown>
    responseText: string
    receipt: Receipt
    /** The receipt as the provider encoded it, signature included. */
    signedReceipt: string
  }) => void
}

export type Kind = 'chat' | 'completion' | 'embeddings'
const paths: Record<Kind, string> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
  embeddings: '/v1/embeddings',
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey
  }
}

/**
 * The customer's endpoint: OpenAI's API with API keys, over every provider on the network. Each
 * request is routed (rankProviders), paid with a voucher, retried on the next provider when the
 * first fails before answering, and billed from the provider's verified receipt.
 */
export function createGatewayServer(options: GatewayServerOptions) {
  const { discovery, stats, payer, store, metrics, routing } = options
  const app = Fastify({
    ...(typeof options.logger === 'boolean'
      ? { logger: options.logger }
      : { loggerInstance: options.logger }),
    bodyLimit: options.maxBodyBytes,
  })

  // Keys looked up in the last few seconds, so a burst of requests costs one database read;
  // spending is added here as well as in the database, so limits hold between reads.
  const keyCache = new Map<string, { apiKey: ApiKey; at: number }>()
  const findKey = async (key: string) => {
    const cached = keyCache.get(key)
    if (cached && Date.now() - cached.at < 5000) return cached.apiKey
    const apiKey = await store.findApiKey(key)
    if (apiKey) keyCache.set(key, { apiKey, at: Date.now() })
    else keyCache.delete(key)
    return apiKey
  }

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return
    const header = request.headers.authorization
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
    const apiKey = key ? await findKey(key) : undefined
    if (!apiKey) {
      throw new GatewayError(
        key
          ? 'Incorrect API key provided. Create one with `infermesh keys create`.'
          : 'No API key provided: send `Authorization: Bearer <key>` (create one with `infermesh keys create`).',
        { status: 401, code: 'invalid_api_key', type: 'authentication_error', retryable: false },
      )
    }
    request.apiKey = apiKey
  })

  async function forward(kind: Kind, request: FastifyRequest, reply: FastifyReply) {
    const started = performance.now()
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GatewayError('The request body must be a JSON object.', {
        status: 400,
        code: 'invalid_request',
      })
    }
    const { provider: preferenceField, ...rest } = body as Record<string, unknown>
    if (typeof rest.model !== 'string' || rest.model.length === 0) {
      throw new GatewayError('Invalid request: `model` must name a model (see GET /v1/models).', {
        status: 400,
        code: 'invalid_request',
        param: 'model',
      })
    }
    const apiKey = request.apiKey as ApiKey
    if (apiKey.spendLimit !== null && apiKey.spent >= apiKey.spendLimit) {
      throw new GatewayError(
        `This API key reached its spending limit of ${apiKey.spendLimit} MESH wei (spent ${apiKey.spent}).`,
        { status: 429, code: 'insufficient_quota', type: 'rate_limit_error', retryable: false },
      )
    }
    const model = rest.model
    const preferences = parsePreferences(preferenceField)
    const ranked = rankProviders({
      model,
      candidates: discovery.candidates(model),
      preferences,
      defaultSort: routing.defaultSort,
      limit: routing.maxAttempts,
    })
    const wantsBase64 = kind === 'embeddings' && rest.encoding_format === 'base64'
    const stream = kind !== 'embeddings' && rest.stream === true
    const deadline = Date.now() + routing.deadlineMs
    const clientGone = new AbortController()
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) clientGone.abort()
    })

    const failures: string[] = []
    for (const candidate of ranked) {
      if (clientGone.signal.aborted) return reply
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        failures.push('the request deadline passed')
        break
      }
      const upstreamBody = {
        ...rest,
        model: candidate.providerModelName,
        ...(kind === 'embeddings' && { encoding_format: 'float' }),
      }
      const requestHash = hashRequest(upstreamBody)
      let resynced = false
      for (;;) {
        const firstByte = new AbortController()
        const timer = setTimeout(() => firstByte.abort(), Math.min(routing.firstByteTimeoutMs, remaining))
        const signal = AbortSignal.any([firstByte.signal, clientGone.signal])
        stats.started(candidate.provider)
        let response: Response
        try {
          response = await fetch(`${candidate.endpoint}${paths[kind]}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [voucherHeader]: await payer.voucherHeader(candidate.provider, candidate.modelId, resynced),
            },
            body: JSON.stringify(upstreamBody),
            signal,
          })
        } catch (error) {
          clearTimeout(timer)
          if (clientGone.signal.aborted) {
            stats.released(candidate.provider)
            return reply
          }
          stats.failed(candidate.provider)
          metrics.attempts.inc({ outcome: firstByte.signal.aborted ? 'timeout' : 'connect_error' })
          failures.push(
            `${candidate.provider}: ${firstByte.signal.aborted ? 'no answer in time' : (error as Error).message}`,
          )
          break
        }
        clearTimeout(timer)
        const ttfb = performance.now() - started

        if (response.status >= 500 || response.status === 429) {
          const text = await response.text().catch(() => '')
          if (response.status === 429) stats.released(candidate.provider)
          else stats.failed(candidate.provider)
          metrics.attempts.inc({ outcome: `status_${response.status}` })
          failures.push(`${candidate.provider}: ${response.status} ${errorMessage(text)}`)
          break
        }
        if (response.status === 402) {
          const text = await response.text().catch(() => '')
          stats.released(candidate.provider)
          const error = parseError(text)
          metrics.attempts.inc({ outcome: `payment_${error?.code ?? 'refused'}` })
          if (!resynced) {
            // A voucher signed earlier can reach the provider after a higher one (concurrent
            // requests): sign again with the current, higher cumulative.
            if (error?.code === 'voucher_lowered') {
              resynced = true
              continue
            }
            // The provider holds receipts we never read (requests the customer aborted): catch up
            // by at most what those aborts could have cost.
            if (error?.code === 'voucher_stale' && error.infermesh?.owed) {
              resynced = true
              const billed = await store.resync(
                candidate.provider,
                candidate.modelId,
                BigInt(error.infermesh.owed),
              )
              if (billed !== undefined) continue
            }
          }
          request.log.warn({
            msg: 'provider refused payment',
            provider: candidate.provider,
            code: error?.code,
            detail: error?.message,
          })
          failures.push(`${candidate.provider}: payment refused (${error?.code ?? 402})`)
          break
        }
        if (response.status >= 400) {
          // The customer's request is at fault: the next provider would say the same.
          stats.released(candidate.provider)
          metrics.attempts.inc({ outcome: `status_${response.status}` })
          reply.code(response.status)
          reply.header('content-type', 'application/json')
          return reply.send(await response.text())
        }

        metrics.attempts.inc({ outcome: 'ok' })
        if (
          stream &&
          response.headers.get('content-type')?.startsWith('text/event-stream') &&
          response.body
        ) {
          return relayStream({
            kind,
            request,
            reply,
            candidate,
            response,
            started,
            ttfb,
            requestHash,
            upstreamBody,
            model,
            clientGone: clientGone.signal,
          })
        }
        const json = (await response.json()) as Record<string, unknown>
        const responseText =
          kind === 'embeddings' ? canonicalJson(embeddingVectors(json)) : completionText(kind, json)
        await settle({
          kind,
          request,
          candidate,
          encoded: response.headers.get(receiptHeader),
          requestHash,
          responseText,
          upstreamBody,
          model,
          started,
        })
        stats.succeeded(candidate.provider, { latencyMs: ttfb, msPerToken: msPerToken(json, ttfb) })
        if (wantsBase64) toBase64(json)
        metrics.requests.inc({ route: kind, status: 200 })
        metrics.latency.observe({ route: kind }, (performance.now() - started) / 1000)
        return json
      }
    }
    throw new GatewayError(
      `Every provider tried for '${model}' failed (${ranked.length} tried): ${failures.join('; ')}.`,
      { status: 502, code: 'providers_unavailable', type: 'server_error', retryable: true },
    )
  }

  /** Checks the receipt, bills it, records usage; a bad receipt is logged and not paid. */
  async function settle(params: {
    kind: Kind
    request: FastifyRequest
    candidate: Candidate
    encoded: string | null | undefined
    requestHash: `0x${string}`
    responseText: string
    upstreamBody: Record<string, unknown>
    model: string
    started: number
  }) {
    const { candidate } = params
    try {
      const receipt = await payer.acceptReceipt(params.encoded, {
        candidate,
        requestHash: params.requestHash,
        responseHash: hashResponse(params.responseText),
      })
      metrics.billed.inc(Number(receipt.cost))
      metrics.tokens.inc({ kind: 'prompt' }, Number(receipt.inputTokens))
      metrics.tokens.inc({ kind: 'completion' }, Number(receipt.outputTokens))
      const apiKey = params.request.apiKey as ApiKey
      apiKey.spent += receipt.cost
      await store.recordUsage({
        apiKeyId: apiKey.id,
        provider: candidate.provider,
        model: params.model,
        modelId: candidate.modelId,
        promptTokens: Number(receipt.inputTokens),
        completionTokens: Number(receipt.outputTokens),
        cost: receipt.cost,
        latencyMs: performance.now() - params.started,
        requestHash: params.requestHash,
      })
      options.onReceipt?.({
        kind: params.kind,
        candidate,
        requestBody: params.upstreamBody,
        responseText: params.responseText,
        receipt,
        signedReceipt: params.encoded as string,
      })
    } catch (error) {
      stats.failed(candidate.provider)
      params.request.log.warn({
        msg: 'receipt refused; not paying for this answer',
        provider: candidate.provider,
        err: (error as Error).message,
      })
    }
  }

  async function relayStream(params: {
    kind: Kind
    request: FastifyRequest
    reply: FastifyReply
    candidate: Candidate
    response: Response
    started: number
    ttfb: number
    requestHash: `0x${string}`
    upstreamBody: Record<string, unknown>
    model: string
    clientGone: AbortSignal
  }) {
    const { reply, candidate, response } = params
    reply.hijack()
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    let text = ''
    let receipt: string | undefined
    let completionTokens = 0
    let done = false
    const chat = params.upstreamBody.messages !== undefined
    try {
      for await (const event of readServerSentEvents(response.body as ReadableStream<Uint8Array>)) {
        if (event.event === receiptEvent) {
          receipt = (JSON.parse(event.data) as { receipt?: string }).receipt
          continue
        }
        if (event.data === '[DONE]') done = true
        else if (event.data) {
          try {
            const chunk = JSON.parse(event.data) as {
              choices?: { delta?: { content?: string }; text?: string }[]
              usage?: { completion_tokens?: number }
            }
            const choice = chunk.choices?.[0]
            text += (chat ? choice?.delta?.content : choice?.text) ?? ''
            if (chunk.usage?.completion_tokens) completionTokens = chunk.usage.completion_tokens
          } catch {}
        }
        if (!reply.raw.destroyed) reply.raw.write(event.raw)
      }
    } catch (error) {
      if (params.clientGone.aborted) {
        // The customer left; the provider bills what it generated, in a receipt we will not read.
        // Allow the channel to catch up by at most this request's worst-case cost.
        stats.released(candidate.provider)
        const maxTokens = Number(
          params.upstreamBody.max_completion_tokens ?? params.upstreamBody.max_tokens ?? 4096,
        )
        await store.addAbortAllowance(
          candidate.provider,
          candidate.modelId,
          computeCost({
            inputTokens: BigInt(JSON.stringify(params.upstreamBody).length),
            outputTokens: BigInt(maxTokens),
            pricePerMInput: candidate.pricePerMInput,
            pricePerMOutput: candidate.pricePerMOutput,
          }),
        )
        return reply
      }
      if (!reply.raw.destroyed) {
        const failure = new GatewayError(`The provider's stream broke off: ${(error as Error).message}`, {
          status: 502,
          code: 'stream_interrupted',
        })
        reply.raw.write(`data: ${JSON.stringify(failure.toJSON())}\n\n`)
      }
      stats.failed(candidate.provider)
      reply.raw.end()
      return reply
    }
    if (!done && !reply.raw.destroyed) {
      const failure = new GatewayError('The provider ended the stream early.', {
        status: 502,
        code: 'stream_interrupted',
      })
      reply.raw.write(`data: ${JSON.stringify(failure.toJSON())}\n\n`)
    }
    reply.raw.end()
    await settle({ ...params, encoded: receipt, responseText: text })
    const total = performance.now() - params.started
    stats.succeeded(candidate.provider, {
      latencyMs: params.ttfb,
      ...(completionTokens > 0 && { msPerToken: (total - params.ttfb) / completionTokens }),
    })
    metrics.requests.inc({ route: chat ? 'chat' : 'completion', status: 200 })
    metrics.latency.observe({ route: chat ? 'chat' : 'completion' }, total / 1000)
    return reply
  }

  app.post('/v1/chat/completions', (request, reply) => forward('chat', request, reply))
  app.post('/v1/completions', (request, reply) => forward('completion', request, reply))
  app.post('/v1/embeddings', (request, reply) => forward('embeddings', request, reply))

  app.get('/v1/models', async () => ({
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
  }))

  app.get('/v1/usage', async (request) => {
    const apiKey = request.apiKey as ApiKey
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

  app.get('/health', async () => ({ status: 'ok', payer: payer.address }))
  app.get('/ready', async (_request, reply) => {
    const ready = options.isReady?.() ?? true
    reply.code(ready ? 200 : 503)
    return { ready, providers: discovery.providerCount() }
  })
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404)
    return new GatewayError(`No route ${request.method} ${request.url}.`, {
      status: 404,
      code: 'not_found',
    }).toJSON()
  })

  app.setErrorHandler(async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
    let failure: GatewayError
    if (error instanceof GatewayError) failure = error
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = new GatewayError(`The request body is larger than ${options.maxBodyBytes} bytes.`, {
        status: 413,
        code: 'body_too_large',
      })
    } else if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      failure = new GatewayError(`The request body is not valid JSON: ${error.message}`, {
        status: 400,
        code: 'invalid_request',
      })
    } else if (error.statusCode && error.statusCode < 500) {
      failure = new GatewayError(error.message, { status: error.statusCode, code: 'invalid_request' })
    } else {
      request.log.error({ err: error, msg: 'request failed' })
      failure = new GatewayError('The gateway failed to answer; try again.', {
        status: 500,
        code: 'server_error',
        cause: error,
      })
    }
    metrics.requests.inc({ route: request.routeOptions.url ?? 'unknown', status: failure.status })
    reply.code(failure.status)
    return failure.toJSON()
  })

  return app
}

function parseError(
  text: string,
): { code?: string; message?: string; infermesh?: { owed?: string } } | undefined {
  try {
    return (
      JSON.parse(text) as { error?: { code?: string; message?: string; infermesh?: { owed?: string } } }
    ).error
  } catch {
    return undefined
  }
}

function errorMessage(text: string): string {
  return parseError(text)?.message ?? text.slice(0, 200)
}

function completionText(kind: Kind, json: Record<string, unknown>): string {
  const choice = (json.choices as { message?: { content?: string }; text?: string }[] | undefined)?.[0]
  return (kind === 'chat' ? choice?.message?.content : choice?.text) ?? ''
}

function embeddingVectors(json: Record<string, unknown>): number[][] {
  return ((json.data as { embedding: number[] }[] | undefined) ?? []).map((item) => item.embedding)
}

function toBase64(json: Record<string, unknown>) {
  for (const item of (json.data as { embedding: number[] | string }[] | undefined) ?? []) {
    if (Array.isArray(item.embedding))
      item.embedding = Buffer.from(new Float32Array(item.embedding).buffer).toString('base64')
  }
}

function msPerToken(json: Record<string, unknown>, ms: number): number | undefined {
  const tokens = (json.usage as { completion_tokens?: number } | undefined)?.completion_tokens
  return tokens ? ms / tokens : undefined
}
