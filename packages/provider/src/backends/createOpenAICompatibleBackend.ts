import { PeerError, readBoundedJson, readBoundedText } from '@infermesh/client'
import type { Backend, BackendModel, EmbedResult, GenerateParams, GenerateResult } from '@infermesh/llama'
import { readServerSentEvents, ServerSentEventsError } from '@infermesh/protocol'
import { ProviderError } from '../errors.js'

export type OpenAICompatibleBackendOptions = {
  /** The upstream's base URL including `/v1`, e.g. `http://127.0.0.1:8000/v1` (vLLM, llama.cpp server, Ollama). */
  baseUrl: string
  apiKey?: string
  models: BackendModel[]
  /** Upstream time limit per request. Default 120 s. */
  timeoutMs?: number
  /** Largest single server-sent event the upstream may send. Default 1 MiB. */
  maxEventBytes?: number
  /** Most bytes one streamed answer may carry. Default 64 MiB. */
  maxStreamBytes?: number
  /** Most bytes of an embeddings answer per input (a vector as JSON text). Default 1 MiB. */
  maxEmbeddingBytesPerInput?: number
}

type Usage = { prompt_tokens?: number; completion_tokens?: number }

/** Largest error body read from the upstream; only a short message of it is kept. */
const maxErrorBytes = 64 * 1024

/**
 * A backend that forwards to any OpenAI-compatible server. Usage is taken from the upstream's
 * answer (streams ask for it with `stream_options.include_usage`); the provider still meters,
 * signs and bills. An upstream that cannot be reached or answers 5xx is a 502 `upstream_unavailable`.
 *
 * The upstream is the operator's own, but its answers are still read through bounded readers: a
 * stream through the bounded SSE reader (one event, the whole stream), every JSON body capped in
 * size and depth and checked for shape, so a broken or compromised upstream costs the provider a
 * 502 `upstream_bad_response`, never its memory. No answer is billed beyond `maxTokens`, even when
 * the upstream streams past it.
 */
export function createOpenAICompatibleBackend(options: OpenAICompatibleBackendOptions): Backend {
  const base = options.baseUrl.replace(/\/+$/, '')
  const byName = new Map(options.models.map((model) => [model.name, model]))
  const timeoutMs = options.timeoutMs ?? 120_000
  const limits = {
    maxEventBytes: options.maxEventBytes ?? 1024 * 1024,
    maxStreamBytes: options.maxStreamBytes ?? 64 * 1024 * 1024,
  }
  const maxEmbeddingBytesPerInput = options.maxEmbeddingBytesPerInput ?? 1024 * 1024

  function model(name: string): BackendModel {
    const found = byName.get(name)
    if (!found)
      throw new ProviderError(`The model '${name}' is not served by this provider.`, {
        status: 404,
        code: 'model_not_found',
        param: 'model',
      })
    return found
  }

  const badResponse = (what: string, cause?: unknown) =>
    new ProviderError(`The upstream at ${base} sent ${what}`, {
      status: 502,
      code: 'upstream_bad_response',
      retryable: true,
      cause,
    })

  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs)
    let response: Response
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }),
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'error',
      })
    } catch (cause) {
      if (signal?.aborted) throw cause
      throw new ProviderError(`The upstream at ${base} did not answer: ${(cause as Error).message}`, {
        status: 502,
        code: 'upstream_unavailable',
        cause,
      })
    }
    if (response.ok) return response
    const text = await readBoundedText(response, { maxBytes: maxErrorBytes }).catch(() => '')
    let upstream: unknown
    try {
      upstream = JSON.parse(text)
    } catch {}
    const error = isRecord(upstream) && isRecord(upstream.error) ? upstream.error : {}
    const message = (
      typeof error.message === 'string' ? error.message : text.slice(0, 200) || response.statusText
    ).slice(0, 500)
    if (response.status >= 500) {
      throw new ProviderError(`The upstream at ${base} failed with ${response.status}: ${message}`, {
        status: 502,
        code: 'upstream_unavailable',
      })
    }
    const code = /context|too long|maximum context/i.test(message)
      ? 'context_length_exceeded'
      : typeof error.code === 'string' && /^[a-z_]{1,64}$/.test(error.code)
        ? error.code
        : 'invalid_request'
    throw new ProviderError(`The upstream refused the request: ${message}`, {
      status: response.status === 404 ? 404 : 400,
      code,
    })
  }

  return {
    kind: 'openai-compatible',
    models: () => options.models,

    async generate(params: GenerateParams): Promise<GenerateResult> {
      const served = model(params.model)
      const chat = params.messages !== undefined
      const body = {
        model: params.model,
        ...(chat ? { messages: params.messages } : { prompt: params.prompt }),
        ...(!params.upToContext && { max_tokens: params.maxTokens }),
        ...(params.temperature !== undefined && { temperature: params.temperature }),
        ...(params.topP !== undefined && { top_p: params.topP }),
        ...(params.seed !== undefined && { seed: params.seed }),
        ...(params.stop && { stop: params.stop }),
        stream: true,
        stream_options: { include_usage: true },
      }
      const response = await post(chat ? '/chat/completions' : '/completions', body, params.signal)
      let text = ''
      let usage: Usage = {}
      let finish: string | null = null
      let pieces = 0
      // Text is passed on well-formed: a lone surrogate (a JSON escape such as "\ud800") becomes U+FFFD,
      // and a high surrogate ending a piece waits for the next piece, which may hold its other half.
      let held = ''
      try {
        for await (const { data } of readServerSentEvents(
          response.body as ReadableStream<Uint8Array>,
          limits,
        )) {
          if (!data || data === '[DONE]') continue
          let json: unknown
          try {
            json = JSON.parse(data)
          } catch (cause) {
            throw badResponse('an event that is not JSON', cause)
          }
          if (!isRecord(json)) throw badResponse('an event that is not a JSON object')
          if (json.error !== undefined && json.error !== null) {
            const error = isRecord(json.error) ? json.error : {}
            const message = typeof error.message === 'string' ? error.message.slice(0, 500) : 'no message'
            throw new ProviderError(`The upstream failed mid-stream: ${message}`, {
              status: 502,
              code: 'upstream_unavailable',
            })
          }
          usage = { ...usage, ...readUsage(json.usage) }
          const choice = Array.isArray(json.choices) ? json.choices[0] : undefined
          if (!isRecord(choice)) continue
          const piece = chat ? (isRecord(choice.delta) ? choice.delta.content : undefined) : choice.text
          if (piece !== undefined && piece !== null && typeof piece !== 'string')
            throw badResponse('a piece of text that is not a string')
          if (piece) {
            // More pieces than tokens asked for (possible when no max_tokens was sent): stop reading.
            if (pieces >= params.maxTokens) {
              finish = 'length'
              break
            }
            let whole = held + piece
            held = /[\uD800-\uDBFF]$/.test(whole) ? whole.slice(-1) : ''
            whole = whole.slice(0, whole.length - held.length).replace(/\p{Cs}/gu, '\uFFFD')
            text += whole
            pieces++
            if (whole) params.onText?.(whole)
          }
          if (typeof choice.finish_reason === 'string') finish = choice.finish_reason
        }
      } catch (error) {
        if (!params.signal?.aborted) {
          if (error instanceof ServerSentEventsError)
            throw badResponse(`a stream beyond the limits: ${error.message}`, error)
          throw error
        }
      }
      if (held) {
        text += '\uFFFD'
        params.onText?.('\uFFFD')
      }
      const aborted = params.signal?.aborted === true
      return {
        text,
        // An upstream that reports no usage (or a cut-off stream) is metered by streamed pieces,
        // which is what such servers send one token at a time. Never more than was asked for.
        inputTokens: Math.min(usage.prompt_tokens ?? 0, served.contextLength),
        outputTokens: Math.min(usage.completion_tokens ?? pieces, params.maxTokens),
        finishReason: aborted ? 'aborted' : finish === 'length' ? 'length' : 'stop',
      }
    },

    async embed(name: string, inputs: string[], signal?: AbortSignal): Promise<EmbedResult> {
      const served = model(name)
      const response = await post(
        '/embeddings',
        { model: name, input: inputs, encoding_format: 'float' },
        signal,
      )
      let json: unknown
      try {
        json = await readBoundedJson(response, {
          maxBytes: inputs.length * maxEmbeddingBytesPerInput + 64 * 1024,
          maxDepth: 8,
        })
      } catch (error) {
        if (signal?.aborted) throw error
        if (error instanceof PeerError)
          throw badResponse(`an embeddings answer it could not read: ${error.message}`, error)
        throw error
      }
      const embeddings = readEmbeddings(json, inputs.length)
      if (!embeddings)
        throw badResponse(`an embeddings answer that is not ${inputs.length} vectors of numbers`)
      const usage = isRecord(json) ? readUsage(json.usage) : undefined
      return {
        embeddings,
        inputTokens: Math.min(usage?.prompt_tokens ?? 0, inputs.length * served.contextLength),
      }
    },

    async close() {},
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

/** The usage object's token counts, when they are whole non-negative numbers. */
function readUsage(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined
  const usage: Usage = {}
  if (isCount(value.prompt_tokens)) usage.prompt_tokens = value.prompt_tokens
  if (isCount(value.completion_tokens)) usage.completion_tokens = value.completion_tokens
  return usage
}

/** `data[]` of an embeddings answer in input order: `count` vectors of one size, finite numbers; else undefined. */
function readEmbeddings(json: unknown, count: number): number[][] | undefined {
  if (!isRecord(json) || !Array.isArray(json.data) || json.data.length !== count) return undefined
  const vectors: number[][] = new Array(count)
  let size: number | undefined
  for (const [position, item] of json.data.entries()) {
    if (!isRecord(item) || !Array.isArray(item.embedding)) return undefined
    const index = item.index === undefined ? position : item.index
    if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= count) return undefined
    if (vectors[index as number] !== undefined) return undefined
    const vector = item.embedding as unknown[]
    if (!vector.every((x) => typeof x === 'number' && Number.isFinite(x))) return undefined
    size ??= vector.length
    if (vector.length !== size || size === 0) return undefined
    vectors[index as number] = vector as number[]
  }
  return vectors
}
