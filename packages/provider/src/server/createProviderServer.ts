import { randomUUID } from 'node:crypto'
import {
  type Backend,
  type ChatMessage,
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  type GenerateResult,
} from '@infermesh/llama'
import {
  canonicalJson,
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashRequest,
  hashResponse,
  type Receipt,
  receiptEvent,
  receiptHeader,
  signReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Address, Hex, LocalAccount } from 'viem'
import type { z } from 'zod'
import { ProviderError } from '../errors.js'
import type { Admission, PaymentGate } from '../payments/createPaymentGate.js'
import type { ChannelStore } from '../store/channelStore.js'
import type { createLimiter } from './createLimiter.js'
import type { Metrics } from './createMetrics.js'

/** A model this provider sells, with its on-chain price (MESH wei per 1M tokens). */
export type ServedModel = {
  name: string
  modelId: Hex
  pricePerMInput: bigint
  pricePerMOutput: bigint
  contextLength: number
  embeddings: boolean
}

export type ProviderServerOptions = {
  backend: Backend
  models: ServedModel[]
  gate: PaymentGate
  store: ChannelStore
  /** Signs receipts: the provider's key. */
  account: LocalAccount
  chainId: number
  payments: Address
  limiter: ReturnType<typeof createLimiter>
  metrics: Metrics
  logger: FastifyBaseLogger | boolean
  /** Largest request body in bytes; larger gets 413. */
  maxBodyBytes: number
  /** max_tokens when the request gives none. */
  defaultMaxTokens?: number
  /** Whether /ready should answer 200 (set once everything has started). */
  isReady?: () => boolean
  /** True while the provider drains before stopping: new inference requests get 503. */
  isClosing?: () => boolean
}

const invalid = (message: string, param: string | null = null, code = 'invalid_request') =>
  new ProviderError(message, { status: 400, code, param })

function parse<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object.')
  }
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue?.path.join('.') ?? ''
  throw invalid(`Invalid request: \`${path}\` ${issue?.message ?? 'is invalid'}.`, path || null)
}

/** The model id a voucher header names, or undefined when it does not decode. */
function decodeModelId(header: string): string | undefined {
  try {
    return decodeSignedVoucher(header).voucher.modelId.toLowerCase()
  } catch {
    return undefined
  }
}

function unsupported(param: string, message: string): never {
  throw new ProviderError(message, { status: 400, code: 'unsupported_parameter', param })
}

/**
 * The provider's HTTP server: OpenAI-compatible inference (chat, completions, embeddings, models),
 * paid by vouchers and answered with signed receipts, plus /health, /ready and /metrics. The wire
 * protocol is documented in packages/protocol/PROTOCOL.md.
 */
export function createProviderServer(options: ProviderServerOptions) {
  const { backend, gate, store, account, limiter, metrics } = options
  const byName = new Map(options.models.map((model) => [model.name, model]))
  const app = Fastify({
    ...(typeof options.logger === 'boolean'
      ? { logger: options.logger }
      : { loggerInstance: options.logger }),
    bodyLimit: options.maxBodyBytes,
    forceCloseConnections: false,
    // While closing, requests still arriving on kept-alive connections get the OpenAI-shaped 503
    // `shutting_down` of the onRequest hook below, not Fastify's own 503 body.
    return503OnClosing: false,
  })

  function findModel(name: string, param = 'model'): ServedModel {
    // Clients may name a model by its on-chain id too.
    const model =
      byName.get(name) ?? options.models.find((m) => m.modelId.toLowerCase() === name.toLowerCase())
    if (!model) {
      throw new ProviderError(
        `The model '${name}' is not served by this provider. Models: ${[...byName.keys()].join(', ') || 'none'}.`,
        { status: 404, code: 'model_not_found', param },
      )
    }
    return model
  }

  /** Signs and stores the receipt for finished work; returns it encoded for the wire. */
  async function bill(params: {
    admission: Admission
    model: ServedModel
    body: unknown
    responseText: string
    inputTokens: number
    outputTokens: number
  }): Promise<string> {
    const { admission, model } = params
    const cost = computeCost({
      inputTokens: BigInt(params.inputTokens),
      outputTokens: BigInt(params.outputTokens),
      pricePerMInput: model.pricePerMInput,
      pricePerMOutput: model.pricePerMOutput,
    })
    const base = {
      requestHash: hashRequest(params.body),
      responseHash: hashResponse(params.responseText),
      modelId: model.modelId,
      payer: admission.payer,
      provider: account.address,
      inputTokens: BigInt(params.inputTokens),
      outputTokens: BigInt(params.outputTokens),
      cost,
    }
    let receipt: Receipt | undefined
    try {
      const { signature } = await store.addReceipt(base, async (cumulativeAmount) => {
        receipt = { ...base, cumulativeAmount }
        return signReceipt({ account, chainId: options.chainId, payments: options.payments, receipt })
      })
      if (!receipt) throw new Error('receipt not signed')
      metrics.tokensIn.inc({ model: model.name }, params.inputTokens)
      metrics.tokensOut.inc({ model: model.name }, params.outputTokens)
      metrics.earnings.inc({ model: model.name }, Number(cost))
      return encodeSignedReceipt({ receipt, signature })
    } finally {
      admission.release()
    }
  }

  /** Runs one generation under the payment gate and the queue, streaming or not. */
  async function generate(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'chat' | 'completion',
    body: Record<string, unknown>,
    input: { messages?: ChatMessage[]; prompt?: string },
    params: {
      model: ServedModel
      maxTokens: number
      upToContext: boolean
      temperature?: number
      topP?: number
      seed?: number
      stop?: string[]
      stream: boolean
      includeUsage: boolean
    },
  ) {
    const { model } = params
    const promptBytes = Buffer.byteLength(JSON.stringify(input))
    // Worst case for the credit check: a byte per token for the prompt, every allowed output token.
    const maxCost = computeCost({
      inputTokens: BigInt(promptBytes),
      outputTokens: BigInt(params.maxTokens),
      pricePerMInput: model.pricePerMInput,
      pricePerMOutput: model.pricePerMOutput,
    })
    const admission = await gate.admit(
      request.headers[voucherHeader] as string | undefined,
      model.modelId,
      maxCost,
    )
    let free: (() => void) | undefined
    try {
      metrics.queueDepth.set(limiter.queued + 1)
      free = await limiter.acquire()
    } catch (error) {
      admission.release()
      throw error
    } finally {
      metrics.queueDepth.set(limiter.queued)
    }
    metrics.inFlight.inc()

    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
    const controller = new AbortController()
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort()
    }
    reply.raw.on('close', onClose)

    let streamStarted = false
    const writeEvent = (data: unknown, event?: string) => {
      reply.raw.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`)
    }
    const chunk = (delta: { role?: string; content?: string }, finishReason: string | null) =>
      kind === 'chat'
        ? {
            id,
            object,
            created,
            model: model.name,
            choices: [{ index: 0, delta, finish_reason: finishReason }],
          }
        : {
            id,
            object,
            created,
            model: model.name,
            choices: [{ index: 0, text: delta.content ?? '', logprobs: null, finish_reason: finishReason }],
          }
    const startStream = () => {
      if (streamStarted) return
      streamStarted = true
      reply.hijack()
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      })
      if (kind === 'chat') writeEvent(chunk({ role: 'assistant', content: '' }, null))
    }

    const started = performance.now()
    let result: GenerateResult
    try {
      result = await backend.generate({
        model: model.name,
        ...input,
        maxTokens: params.maxTokens,
        upToContext: params.upToContext,
        ...(params.temperature !== undefined && { temperature: params.temperature }),
        ...(params.topP !== undefined && { topP: params.topP }),
        ...(params.seed !== undefined && { seed: params.seed }),
        ...(params.stop && { stop: params.stop }),
        signal: controller.signal,
        ...(params.stream && {
          onText: (text: string) => {
            startStream()
            if (!controller.signal.aborted) writeEvent(chunk({ content: text }, null))
          },
        }),
      })
    } catch (error) {
      admission.release()
      free()
      metrics.inFlight.dec()
      reply.raw.off('close', onClose)
      if (streamStarted) {
        // Headers are gone: end the stream with an error event the openai SDK raises.
        const err =
          error instanceof ProviderError
            ? error
            : new ProviderError('Generation failed.', { status: 500, code: 'server_error', cause: error })
        writeEvent(err.toJSON())
        reply.raw.end()
        return reply
      }
      throw error
    }
    free()
    metrics.inFlight.dec()
    reply.raw.off('close', onClose)
    const seconds = (performance.now() - started) / 1000
    if (result.outputTokens > 0 && seconds > 0)
      metrics.tokensPerSecond.observe({ model: model.name }, result.outputTokens / seconds)

    // Bill what was produced, even when the client went away mid-stream.
    const receipt = await bill({
      admission,
      model,
      body,
      responseText: result.text,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
    })
    const finishReason = result.finishReason === 'length' ? 'length' : 'stop'
    const usage = {
      prompt_tokens: result.inputTokens,
      completion_tokens: result.outputTokens,
      total_tokens: result.inputTokens + result.outputTokens,
    }
    metrics.requests.inc({
      route: kind,
      model: model.name,
      status: result.finishReason === 'aborted' ? 499 : 200,
    })

    if (params.stream) {
      if (controller.signal.aborted || reply.raw.destroyed) return reply
      startStream()
      writeEvent(chunk({}, finishReason))
      if (params.includeUsage) writeEvent({ id, object, created, model: model.name, choices: [], usage })
      // JSON data, so SSE clients that parse every event (the openai SDK) see a chunk with no choices.
      writeEvent({ id, object: receiptEvent, created, model: model.name, choices: [], receipt }, receiptEvent)
      reply.raw.write('data: [DONE]\n\n')
      reply.raw.end()
      return reply
    }
    reply.header(receiptHeader, receipt)
    if (kind === 'chat') {
      return {
        id,
        object: 'chat.completion',
        created,
        model: model.name,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.text },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      }
    }
    return {
      id,
      object: 'text_completion',
      created,
      model: model.name,
      choices: [{ index: 0, text: result.text, logprobs: null, finish_reason: finishReason }],
      usage,
    }
  }

  function commonChecks(body: {
    n?: number | null
    logprobs?: unknown
    stream_options?: unknown
    stream?: boolean | null
  }) {
    if (body.n && body.n > 1) unsupported('n', 'n > 1 is not supported yet: send one request per completion.')
    if (body.logprobs) unsupported('logprobs', 'logprobs are not supported by this provider yet.')
    if (body.stream_options && !body.stream)
      throw invalid('`stream_options` is only allowed when `stream` is true.', 'stream_options')
  }
  const stops = (stop: string | string[] | null | undefined) =>
    stop == null ? undefined : Array.isArray(stop) ? stop : [stop]

  app.addHook('onRequest', async (request) => {
    if (options.isClosing?.() && request.method === 'POST') {
      throw new ProviderError('The provider is shutting down; send the request to another provider.', {
        status: 503,
        code: 'shutting_down',
        retryable: true,
      })
    }
  })

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parse(chatRequestSchema, request.body)
    commonChecks(body)
    if (body.tools && body.tools.length > 0)
      unsupported('tools', 'tools (function calling) are not supported yet.')
    if (body.functions != null)
      unsupported('functions', 'functions (function calling) are not supported yet.')
    const model = findModel(body.model)
    const messages: ChatMessage[] = body.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content,
    }))
    return generate(
      request,
      reply,
      'chat',
      request.body as Record<string, unknown>,
      { messages },
      {
        model,
        maxTokens:
          body.max_completion_tokens ?? body.max_tokens ?? options.defaultMaxTokens ?? model.contextLength,
        upToContext: (body.max_completion_tokens ?? body.max_tokens) == null,
        ...(body.temperature != null && { temperature: body.temperature }),
        ...(body.top_p != null && { topP: body.top_p }),
        ...(body.seed != null && { seed: body.seed }),
        ...(stops(body.stop) && { stop: stops(body.stop) }),
        stream: body.stream === true,
        includeUsage: body.stream_options?.include_usage === true,
      },
    )
  })

  app.post('/v1/completions', async (request, reply) => {
    const body = parse(completionRequestSchema, request.body)
    commonChecks(body)
    const model = findModel(body.model)
    const prompt = Array.isArray(body.prompt) ? (body.prompt[0] ?? '') : body.prompt
    return generate(
      request,
      reply,
      'completion',
      request.body as Record<string, unknown>,
      { prompt },
      {
        model,
        maxTokens: body.max_tokens ?? options.defaultMaxTokens ?? 16,
        upToContext: false,
        ...(body.temperature != null && { temperature: body.temperature }),
        ...(body.top_p != null && { topP: body.top_p }),
        ...(body.seed != null && { seed: body.seed }),
        ...(stops(body.stop) && { stop: stops(body.stop) }),
        stream: body.stream === true,
        includeUsage: body.stream_options?.include_usage === true,
      },
    )
  })

  app.post('/v1/embeddings', async (request, reply) => {
    const body = parse(embeddingRequestSchema, request.body)
    const model = findModel(body.model)
    if (!model.embeddings) {
      throw invalid(`The model '${model.name}' does not serve embeddings.`, 'model', 'model_not_embedding')
    }
    if (body.dimensions != null)
      unsupported('dimensions', '`dimensions` is not supported: vectors have the model’s size.')
    const inputs = Array.isArray(body.input) ? body.input : [body.input]
    const maxCost = computeCost({
      inputTokens: BigInt(Buffer.byteLength(inputs.join(''))),
      outputTokens: 0n,
      pricePerMInput: model.pricePerMInput,
      pricePerMOutput: model.pricePerMOutput,
    })
    const admission = await gate.admit(
      request.headers[voucherHeader] as string | undefined,
      model.modelId,
      maxCost,
    )
    let free: () => void
    try {
      free = await limiter.acquire()
    } catch (error) {
      admission.release()
      throw error
    }
    let result: Awaited<ReturnType<Backend['embed']>>
    try {
      result = await backend.embed(model.name, inputs)
    } catch (error) {
      admission.release()
      throw error
    } finally {
      free()
    }
    const receipt = await bill({
      admission,
      model,
      body: request.body,
      responseText: canonicalJson(result.embeddings),
      inputTokens: result.inputTokens,
      outputTokens: 0,
    })
    metrics.requests.inc({ route: 'embeddings', model: model.name, status: 200 })
    reply.header(receiptHeader, receipt)
    const base64 = body.encoding_format === 'base64'
    return {
      object: 'list',
      model: model.name,
      data: result.embeddings.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      })),
      usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
    }
  })

  // InferMesh extension: hand in a voucher without a request, e.g. the last one before a gateway
  // stops, so the provider can redeem all completed work.
  app.post('/infermesh/v1/vouchers', async (request) => {
    const header = request.headers[voucherHeader] as string | undefined
    const model = options.models.find((m) => header && decodeModelId(header) === m.modelId.toLowerCase())
    if (!model)
      throw invalid('The voucher names no model this provider serves.', null, 'voucher_wrong_channel')
    const admission = await gate.admit(header, model.modelId, 0n)
    admission.release()
    const channel = await store.get(admission.payer, model.modelId.toLowerCase() as Hex)
    return {
      payer: channel.payer,
      modelId: channel.modelId,
      owed: channel.owed.toString(),
      voucher: channel.voucher.toString(),
    }
  })

  app.get('/v1/models', async () => ({
    object: 'list',
    data: options.models.map((model) => ({
      id: model.name,
      object: 'model',
      created: 0,
      owned_by: account.address,
      infermesh: {
        modelId: model.modelId,
        pricePerMInput: model.pricePerMInput.toString(),
        pricePerMOutput: model.pricePerMOutput.toString(),
        contextLength: model.contextLength,
        embeddings: model.embeddings,
      },
    })),
  }))

  app.get('/health', async () => ({ status: 'ok', provider: account.address }))
  app.get('/ready', async (_request, reply) => {
    const ready = options.isReady?.() ?? true
    reply.code(ready ? 200 : 503)
    return { ready }
  })
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404)
    return new ProviderError(`No route ${request.method} ${request.url}.`, {
      status: 404,
      code: 'not_found',
    }).toJSON()
  })

  app.setErrorHandler(async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
    let failure: ProviderError
    if (error instanceof ProviderError) failure = error
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      failure = new ProviderError(`The request body is larger than ${options.maxBodyBytes} bytes.`, {
        status: 413,
        code: 'body_too_large',
      })
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      failure = new ProviderError('Send the request body as application/json.', {
        status: 415,
        code: 'unsupported_media_type',
      })
    } else if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      failure = invalid(`The request body is not valid JSON: ${error.message}`)
    } else if (error.statusCode && error.statusCode < 500) {
      failure = invalid(error.message)
    } else {
      request.log.error({ err: error, msg: 'request failed' })
      failure = new ProviderError('The provider failed to answer; try again.', {
        status: 500,
        code: 'server_error',
        cause: error,
      })
    }
    if (failure.status === 429) reply.header('retry-after', '1')
    metrics.requests.inc({ route: request.routeOptions.url ?? 'unknown', model: '', status: failure.status })
    reply.code(failure.status)
    return failure.toJSON()
  })

  return app
}
