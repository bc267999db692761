import { randomUUID } from 'node:crypto'
import type { ChatMessage, GenerateResult } from '@infermesh/llama'
import { HttpError } from '@infermesh/node'
import { computeCost, type RequestKind, receiptEvent, receiptHeader } from '@infermesh/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Hex } from 'viem'
import { ProviderError } from '../errors.js'
import { billReceipt } from './billReceipt.js'
import type { ProviderServerOptions, ServedModel } from './ProviderServerOptions.js'
import { withAdmission } from './withAdmission.js'

/** One chat or completion request, checked and ready to run. */
export type Generation = {
  kind: Extract<RequestKind, 'chat' | 'completion'>
  model: ServedModel
  /** The receipt's request hash of {kind, body}, computed before admission (`hashRequestBody`). */
  requestHash: Hex
  input: { messages?: ChatMessage[]; prompt?: string }
  maxTokens: number
  /** The request named no max_tokens: generate up to what the context leaves. */
  upToContext: boolean
  temperature?: number
  topP?: number
  seed?: number
  stop?: string[]
  stream: boolean
  includeUsage: boolean
}

/**
 * Runs a chat or completion through the admission wrapper and answers it: one JSON body with the
 * receipt in a header, or a server-sent event stream ending with the receipt event and `[DONE]`.
 * Whatever was generated is billed, even when the client left mid-stream. When the request runs out
 * of time, a stream gets its receipt for what was sent and then a 504 error event; an answer not
 * yet sent is a 504 and is not billed (the client received nothing). Once a stream has started,
 * nothing is thrown: a failure ends the stream with an error event the openai SDK raises.
 */
export async function runGeneration(
  options: ProviderServerOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  generation: Generation,
) {
  const { backend, metrics } = options
  const { kind, model } = generation
  // Worst case for the credit check: a token per byte of the prompt, every allowed output token.
  const maxCost = computeCost({
    inputTokens: BigInt(Buffer.byteLength(JSON.stringify(generation.input))),
    outputTokens: BigInt(generation.maxTokens),
    pricePerMInput: model.pricePerMInput,
    pricePerMOutput: model.pricePerMOutput,
  })
  return withAdmission(options, request, reply, { model, maxCost }, async (admitted) => {
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
    const count = (status: number) => metrics.requests.inc({ route: kind, model: model.name, status })

    let streamStarted = false
    const writeEvent = (data: unknown, event?: string) => {
      if (!reply.raw.destroyed)
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
    /** Headers are gone: end the stream with an error event the openai SDK raises. */
    const endStream = (error: unknown) => {
      const failure =
        error instanceof HttpError
          ? error
          : new ProviderError('Generation failed.', { status: 500, code: 'server_error', cause: error })
      if (failure.status >= 500 && failure.code !== 'request_timeout')
        request.log.error({ msg: 'stream failed', code: failure.code, err: error })
      count(failure.status)
      writeEvent(failure.toJSON())
      reply.raw.end()
      return reply
    }

    const started = performance.now()
    let result: GenerateResult
    try {
      result = await backend.generate({
        model: model.name,
        ...generation.input,
        maxTokens: generation.maxTokens,
        upToContext: generation.upToContext,
        ...(generation.temperature !== undefined && { temperature: generation.temperature }),
        ...(generation.topP !== undefined && { topP: generation.topP }),
        ...(generation.seed !== undefined && { seed: generation.seed }),
        ...(generation.stop && { stop: generation.stop }),
        signal: admitted.signal,
        ...(generation.stream && {
          onText: (text: string) => {
            if (admitted.signal.aborted) return
            startStream()
            writeEvent(chunk({ content: text }, null))
          },
        }),
      })
    } catch (error) {
      if (!streamStarted) throw error
      return endStream(admitted.signal.aborted ? admitted.signal.reason : error)
    } finally {
      admitted.workDone()
    }
    const seconds = (performance.now() - started) / 1000
    if (result.outputTokens > 0 && seconds > 0)
      metrics.tokensPerSecond.observe({ model: model.name }, result.outputTokens / seconds)

    // Stopped by the signal (not finished): the client left, or the request ran out of time.
    const stopped = result.finishReason === 'aborted' && admitted.signal.aborted
    const timedOut = stopped && admitted.timedOut()
    // Out of time before anything was sent: the client gets a 504 and no bill.
    if (timedOut && !streamStarted) throw admitted.signal.reason

    // Bill what was produced, even when the client went away mid-stream.
    let receipt: string
    try {
      receipt = await billReceipt(options, {
        admitted,
        model,
        requestHash: generation.requestHash,
        responseText: result.text,
        inputTokens: result.inputTokens,
        outputTokens: result.outputTokens,
        tokenIds: result.tokenIds,
      })
    } catch (error) {
      if (!streamStarted) throw error
      return endStream(error)
    }
    count(stopped ? (timedOut ? 504 : 499) : 200)
    const finishReason = result.finishReason === 'length' ? 'length' : 'stop'
    const usage = {
      prompt_tokens: result.inputTokens,
      completion_tokens: result.outputTokens,
      total_tokens: result.inputTokens + result.outputTokens,
    }
    const receiptData = { id, object: receiptEvent, created, model: model.name, choices: [], receipt }

    if (generation.stream) {
      if (reply.raw.destroyed || (stopped && !timedOut)) return reply
      startStream()
      if (timedOut) {
        // What was streamed is paid for with this receipt; the error tells the client it was cut.
        writeEvent(receiptData, receiptEvent)
        writeEvent((admitted.signal.reason as ProviderError).toJSON())
        reply.raw.end()
        return reply
      }
      writeEvent(chunk({}, finishReason))
      if (generation.includeUsage) writeEvent({ id, object, created, model: model.name, choices: [], usage })
      // JSON data, so SSE clients that parse every event (the openai SDK) see a chunk with no choices.
      writeEvent(receiptData, receiptEvent)
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
  })
}
