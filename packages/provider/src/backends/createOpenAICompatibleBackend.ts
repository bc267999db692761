import type { Backend, BackendModel, EmbedResult, GenerateParams, GenerateResult } from '@infermesh/llama'
import { readServerSentEvents } from '@infermesh/protocol'
import { ProviderError } from '../errors.js'

export type OpenAICompatibleBackendOptions = {
  /** The upstream's base URL including `/v1`, e.g. `http://127.0.0.1:8000/v1` (vLLM, llama.cpp server, Ollama). */
  baseUrl: string
  apiKey?: string
  models: BackendModel[]
  /** Upstream time limit per request. Default 120 s. */
  timeoutMs?: number
}

type Usage = { prompt_tokens?: number; completion_tokens?: number }

/**
 * A backend that forwards to any OpenAI-compatible server. Usage is taken from the upstream's
 * answer (streams ask for it with `stream_options.include_usage`); the provider still meters,
 * signs and bills. An upstream that cannot be reached or answers 5xx is a 502 `upstream_unavailable`.
 */
export function createOpenAICompatibleBackend(options: OpenAICompatibleBackendOptions): Backend {
  const base = options.baseUrl.replace(/\/+$/, '')
  const byName = new Map(options.models.map((model) => [model.name, model]))
  const timeoutMs = options.timeoutMs ?? 120_000

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
    const text = await response.text().catch(() => '')
    let upstream: { error?: { message?: string; code?: string } } = {}
    try {
      upstream = JSON.parse(text)
    } catch {}
    const message = upstream.error?.message ?? (text.slice(0, 200) || response.statusText)
    if (response.status >= 500) {
      throw new ProviderError(`The upstream at ${base} failed with ${response.status}: ${message}`, {
        status: 502,
        code: 'upstream_unavailable',
      })
    }
    const code = /context|too long|maximum context/i.test(message)
      ? 'context_length_exceeded'
      : (upstream.error?.code ?? 'invalid_request')
    throw new ProviderError(`The upstream refused the request: ${message}`, {
      status: response.status === 404 ? 404 : 400,
      code,
    })
  }

  return {
    kind: 'openai-compatible',
    models: () => options.models,

    async generate(params: GenerateParams): Promise<GenerateResult> {
      model(params.model)
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
      let usage: Usage | undefined
      let finish: string | null = null
      let pieces = 0
      try {
        for await (const { data } of readServerSentEvents(response.body as ReadableStream<Uint8Array>)) {
          if (!data || data === '[DONE]') continue
          const json = JSON.parse(data)
          if (json.error)
            throw new ProviderError(`The upstream failed mid-stream: ${json.error.message}`, {
              status: 502,
              code: 'upstream_unavailable',
            })
          if (json.usage) usage = json.usage
          const choice = json.choices?.[0]
          if (!choice) continue
          const piece: string = (chat ? choice.delta?.content : choice.text) ?? ''
          if (piece) {
            text += piece
            pieces++
            params.onText?.(piece)
          }
          if (choice.finish_reason) finish = choice.finish_reason
        }
      } catch (error) {
        if (!params.signal?.aborted) throw error
      }
      const aborted = params.signal?.aborted === true
      return {
        text,
        // An upstream that reports no usage (or a cut-off stream) is metered by streamed pieces,
        // which is what such servers send one token at a time.
        inputTokens: usage?.prompt_tokens ?? 0,
        outputTokens: usage?.completion_tokens ?? pieces,
        finishReason: aborted ? 'aborted' : finish === 'length' ? 'length' : 'stop',
      }
    },

    async embed(name: string, inputs: string[], signal?: AbortSignal): Promise<EmbedResult> {
      model(name)
      const response = await post(
        '/embeddings',
        { model: name, input: inputs, encoding_format: 'float' },
        signal,
      )
      const json = (await response.json()) as {
        data: { index: number; embedding: number[] }[]
        usage?: Usage
      }
      const embeddings = [...json.data].sort((a, b) => a.index - b.index).map((item) => item.embedding)
      return { embeddings, inputTokens: json.usage?.prompt_tokens ?? 0 }
    },

    async close() {},
  }
}
