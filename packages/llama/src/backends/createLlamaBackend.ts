import {
  type ChatWrapper,
  getLlama,
  type Llama,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp'
import type { Hex } from 'viem'
import type { Backend, BackendModel, EmbedResult, GenerateParams, GenerateResult } from '../backend.js'
import { LlamaError } from '../LlamaError.js'
import { modelIdOfFile } from '../model/modelIdOfFile.js'
import { buildPromptTokens } from '../prompt/buildPromptTokens.js'

/** One GGUF model the llama backend serves. */
export type LlamaBackendModel = {
  /** The name clients put in `model`. */
  name: string
  /** Path of the GGUF file. Its sha256 is the model id. */
  path: string
  /** Largest prompt + completion per request, in tokens. Defaults to the model's training context. */
  contextLength?: number
  /** Whether `embed` serves this model. Defaults to `false`. */
  embeddings?: boolean
}

/** Options of `createLlamaBackend`. */
export type CreateLlamaBackendParams = {
  models: LlamaBackendModel[]
  /** CPU threads per context. Defaults to node-llama-cpp's choice (all math cores). */
  threads?: number
  /** Requests each model runs at once; more wait for a free sequence. Defaults to 4. */
  sequences?: number
  /** `false` runs on the CPU; `'auto'` uses a prebuilt GPU binary when one works here. */
  gpu?: false | 'auto'
  /** Tokens per llama.cpp batch (prompt evaluation). Defaults to node-llama-cpp's choice. */
  batchSize?: number
}

/**
 * A `Backend` that runs GGUF models in-process with llama.cpp (node-llama-cpp). Prebuilt binaries only:
 * nothing is compiled or downloaded at run time.
 *
 * Each model gets one context with `sequences` sequences, so that many requests decode together in
 * shared batches; a request waits for a free sequence. Chat requests go through the model's chat
 * template (node-llama-cpp's `resolveChatWrapper`: the GGUF's Jinja template, or a wrapper it picks from
 * the model's name, BOS string or architecture). Sampling follows OpenAI's defaults: temperature 1,
 * top-p 1, no top-k; temperature 0 is greedy, and a seed makes sampling repeatable on the same build.
 * An abort is noticed after each sampled token. Token counts are exact: `inputTokens` is the tokenized
 * templated prompt, `outputTokens` counts every sampled token (including an end-of-generation token and
 * the tokens of a matched stop string), also when the request is aborted; `tokenIds` are those tokens'
 * ids in order (the receipt's `tokensHash`).
 *
 * @example
 * ```ts
 * const backend = await createLlamaBackend({ models: [{ name: 'tiny', path: '/models/tiny.gguf' }] })
 * const result = await backend.generate({ model: 'tiny', prompt: 'Hello', maxTokens: 16, temperature: 0 })
 * await backend.close()
 * ```
 */
export async function createLlamaBackend(params: CreateLlamaBackendParams): Promise<Backend> {
  const { models: configs, threads, sequences = 4, gpu = false, batchSize } = params
  if (configs.length === 0) throw new Error('createLlamaBackend needs at least one model')
  const names = configs.map((config) => config.name)
  const duplicate = names.find((name, i) => names.indexOf(name) !== i)
  if (duplicate !== undefined) throw new Error(`model name "${duplicate}" is configured twice`)
  if (!Number.isInteger(sequences) || sequences < 1)
    throw new Error(`sequences must be a positive integer, got ${sequences}`)

  // Hash first: a missing or unreadable file fails fast, before llama.cpp starts.
  const modelIds = await Promise.all(
    configs.map((config) =>
      modelIdOfFile(config.path).catch((error: unknown) => {
        throw loadError(config, error)
      }),
    ),
  )
  const llama = await getLlama({ gpu, build: 'never' })
  const served = new Map<string, ServedModel>()
  try {
    for (const [i, config] of configs.entries())
      served.set(
        config.name,
        await loadModel(llama, config, modelIds[i] as Hex, { threads, sequences, batchSize }),
      )
  } catch (error) {
    await llama.dispose()
    throw error
  }

  let closed = false
  const find = (name: string) => {
    const model = served.get(name)
    if (model === undefined)
      throw new LlamaError(
        `model "${name}" is not served here; available: ${[...served.keys()].join(', ')}`,
        {
          status: 404,
          code: 'model_not_found',
          param: 'model',
        },
      )
    return model
  }

  return {
    kind: 'llama',
    models: () => [...served.values()].map((model) => ({ ...model.info })),
    async generate(request) {
      if (closed) throw closedError()
      return await generate(find(request.model), request)
    },
    async embed(name, inputs, signal) {
      if (closed) throw closedError()
      return await embed(find(name), inputs, { threads, signal })
    },
    async close() {
      if (closed) return
      closed = true
      for (const model of served.values()) model.pool.close()
      await llama.dispose()
    },
  }
}

type ServedModel = {
  info: BackendModel
  model: LlamaModel
  chatWrapper: ChatWrapper
  pool: SequencePool
  embeddingContext?: Promise<LlamaEmbeddingContext>
}

async function loadModel(
  llama: Llama,
  config: LlamaBackendModel,
  modelId: Hex,
  {
    threads,
    sequences,
    batchSize,
  }: { threads: number | undefined; sequences: number; batchSize: number | undefined },
): Promise<ServedModel> {
  try {
    const model = await llama.loadModel({ modelPath: config.path })
    const requested = config.contextLength ?? model.trainContextSize
    const context = await model.createContext({
      contextSize: requested,
      sequences,
      threads,
      ...(batchSize !== undefined && { batchSize }),
    })
    const contextLength = Math.min(requested, context.contextSize)
    const pool = new SequencePool(Array.from({ length: sequences }, () => context.getSequence()))
    return {
      info: { name: config.name, modelId, contextLength, embeddings: config.embeddings ?? false },
      model,
      chatWrapper: resolveChatWrapper(model),
      pool,
    }
  } catch (error) {
    throw loadError(config, error)
  }
}

function loadError(config: LlamaBackendModel, error: unknown) {
  return new LlamaError(`could not load model "${config.name}" from ${config.path}: ${messageOf(error)}`, {
    status: 500,
    code: 'model_load_failed',
    retryable: false,
    cause: error,
  })
}

async function generate(served: ServedModel, request: GenerateParams): Promise<GenerateResult> {
  const { model, info } = served
  const { signal, onText } = request
  let maxTokens = request.maxTokens
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new LlamaError(`max_tokens must be a positive integer, got ${maxTokens}`, {
      status: 400,
      code: 'invalid_request',
      param: 'max_tokens',
    })
  const input = buildPromptTokens(served.model, served.chatWrapper, request)
  const inputTokens = input.tokens.length
  // No max_tokens in the request: generate until the context is full, as OpenAI does.
  if (request.upToContext) maxTokens = Math.max(1, Math.min(maxTokens, info.contextLength - inputTokens))
  assertFits(info, inputTokens, maxTokens, request.messages === undefined ? 'prompt' : 'messages')

  const nothing: GenerateResult = {
    text: '',
    inputTokens,
    outputTokens: 0,
    tokenIds: [],
    finishReason: 'aborted',
  }
  if (signal?.aborted) return nothing
  const sequence = await served.pool.acquire(signal)
  if (sequence === undefined) return nothing
  if (signal?.aborted) {
    served.pool.release(sequence)
    return nothing
  }

  const stop = new StopMatcher([...input.stopTexts, ...(request.stop ?? [])], onText)
  let outputTokens = 0
  /** Every sampled token, in order: `outputTokens` of them (the receipt's tokensHash). */
  const tokenIds: number[] = []
  let finishReason: GenerateResult['finishReason'] | undefined
  /** Tokens sampled but not yet decoded: the start of a multi-byte character. */
  let pending: Token[] = []
  /** The last tokens decoded, so the detokenizer sees each piece in context (leading spaces). */
  let recent = input.tokens.slice(-32)
  const decode = (force: boolean) => {
    if (pending.length === 0) return
    const piece = model.detokenize(pending, false, recent)
    // A UTF-8 character spans at most 4 byte tokens; wait for the rest unless finishing.
    if (!force && piece.endsWith('\uFFFD') && pending.length < 4) return
    recent = [...recent, ...pending].slice(-32)
    pending = []
    if (stop.push(piece)) finishReason = 'stop'
  }

  try {
    await sequence.clearHistory()
    const temperature = request.temperature ?? 1
    const tokens = sequence.evaluate(input.tokens, {
      temperature,
      topP: request.topP ?? 1,
      // OpenAI semantics: no top-k cut (node-llama-cpp defaults to 40).
      topK: 0,
      // Unseeded sampling draws a fresh seed per request (node-llama-cpp would use the current second).
      seed: request.seed ?? Math.floor(Math.random() * 2 ** 32),
      yieldEogToken: true,
    })
    for await (const token of tokens) {
      outputTokens++
      tokenIds.push(token)
      if (model.isEogToken(token) || input.stopTokens.has(token)) {
        decode(true)
        finishReason = 'stop'
        break
      }
      pending.push(token)
      decode(false)
      if (finishReason !== undefined) break
      if (outputTokens >= maxTokens) finishReason = 'length'
      else if (signal?.aborted) finishReason = 'aborted'
      if (finishReason !== undefined) {
        decode(true)
        break
      }
    }
  } finally {
    served.pool.release(sequence)
  }
  // The iterator ends by itself only if the context fills, which `assertFits` rules out.
  return { text: stop.finish(), inputTokens, outputTokens, tokenIds, finishReason: finishReason ?? 'length' }
}

function assertFits(info: BackendModel, inputTokens: number, maxTokens: number, param: string) {
  const limit = `model "${info.name}" takes at most ${info.contextLength} tokens of prompt and completion`
  if (inputTokens >= info.contextLength)
    throw new LlamaError(`${limit}, but the prompt alone is ${inputTokens} tokens; shorten the prompt`, {
      status: 400,
      code: 'context_length_exceeded',
      param,
    })
  if (inputTokens + maxTokens > info.contextLength)
    throw new LlamaError(
      `${limit}, but the request needs ${inputTokens + maxTokens} (${inputTokens} prompt + ${maxTokens} max_tokens); ` +
        `lower max_tokens to ${info.contextLength - inputTokens} or shorten the prompt`,
      { status: 400, code: 'context_length_exceeded', param: 'max_tokens' },
    )
}

/**
 * Collects generated text, cuts it at the first stop string, and streams what is certainly not part of
 * a stop string: a tail that could still grow into one is held back until it cannot.
 */
class StopMatcher {
  private text = ''
  private sent = 0
  private stopped = false
  private readonly stops: string[]
  private readonly longest: number

  constructor(
    stops: string[],
    private readonly onText: ((text: string) => void) | undefined,
  ) {
    this.stops = [...new Set(stops.filter((stop) => stop.length > 0))]
    this.longest = Math.max(0, ...this.stops.map((stop) => stop.length))
  }

  /** Adds a decoded piece; returns whether a stop string is now complete. */
  push(piece: string): boolean {
    if (this.stopped) return true
    this.text += piece
    const from = Math.max(0, this.sent - this.longest)
    let cut = -1
    for (const stop of this.stops) {
      const at = this.text.indexOf(stop, from)
      if (at !== -1 && (cut === -1 || at < cut)) cut = at
    }
    if (cut !== -1) {
      this.text = this.text.slice(0, cut)
      this.stopped = true
      this.flush(this.text.length)
      return true
    }
    this.flush(this.text.length - this.heldBack())
    return false
  }

  /** Streams and returns the whole text: a held-back tail that never became a stop string is text. */
  finish(): string {
    this.flush(this.text.length)
    return this.text
  }

  /** Length of the longest tail of the text that is a proper prefix of a stop string. */
  private heldBack() {
    for (let length = Math.min(this.longest - 1, this.text.length); length > 0; length--) {
      const tail = this.text.slice(-length)
      if (this.stops.some((stop) => stop.startsWith(tail))) return length
    }
    return 0
  }

  private flush(end: number) {
    // Never between the two halves of a character: each streamed piece is well-formed text.
    const code = this.text.charCodeAt(end - 1)
    if (end < this.text.length && code >= 0xd800 && code <= 0xdbff) end--
    if (end <= this.sent) return
    const piece = this.text.slice(this.sent, end)
    this.sent = end
    this.onText?.(piece)
  }
}

/** Hands out a model's sequences one request at a time; requests beyond them wait in order. */
class SequencePool {
  private readonly waiting: { resolve: (sequence: LlamaContextSequence | undefined) => void }[] = []
  private closed = false

  constructor(private readonly free: LlamaContextSequence[]) {}

  /** A free sequence, or `undefined` when `signal` aborts first. */
  acquire(signal: AbortSignal | undefined): Promise<LlamaContextSequence | undefined> {
    if (this.closed) return Promise.reject(closedError())
    const sequence = this.free.pop()
    if (sequence !== undefined) return Promise.resolve(sequence)
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (sequence: LlamaContextSequence | undefined) => {
          signal?.removeEventListener('abort', onAbort)
          if (sequence === undefined && this.closed) reject(closedError())
          else resolve(sequence)
        },
      }
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1)
        resolve(undefined)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(waiter)
    })
  }

  release(sequence: LlamaContextSequence) {
    const next = this.waiting.shift()
    if (next === undefined) this.free.push(sequence)
    else next.resolve(sequence)
  }

  /** Fails every waiting request. */
  close() {
    this.closed = true
    for (const waiter of this.waiting.splice(0)) waiter.resolve(undefined)
  }
}

async function embed(
  served: ServedModel,
  inputs: string[],
  { threads, signal }: { threads: number | undefined; signal: AbortSignal | undefined },
): Promise<EmbedResult> {
  const { info } = served
  if (!info.embeddings)
    throw new LlamaError(`model "${info.name}" does not serve embeddings`, {
      status: 400,
      code: 'embeddings_not_supported',
      param: 'model',
    })
  served.embeddingContext ??= served.model
    .createEmbeddingContext({ contextSize: info.contextLength, threads })
    .catch((error: unknown) => {
      served.embeddingContext = undefined
      throw error
    })
  const context = await served.embeddingContext
  const lengths = inputs.map((input, i) => {
    if (input.length === 0)
      throw new LlamaError(`input ${i} is empty; embeddings need some text`, {
        status: 400,
        code: 'invalid_request',
        param: 'input',
      })
    const length = context.calculateInputLength(input)
    if (length >= info.contextLength)
      throw new LlamaError(
        `model "${info.name}" embeds at most ${info.contextLength - 1} tokens, but input ${i} is ${length} tokens; shorten it`,
        { status: 400, code: 'context_length_exceeded', param: 'input' },
      )
    return length
  })
  const embeddings: number[][] = []
  for (const input of inputs) {
    if (signal?.aborted)
      throw new LlamaError('the embedding request was aborted', {
        status: 499,
        code: 'aborted',
        retryable: false,
      })
    embeddings.push([...(await context.getEmbeddingFor(input)).vector])
  }
  return { embeddings, inputTokens: lengths.reduce((sum, length) => sum + length, 0) }
}

function closedError() {
  return new LlamaError('the llama backend is closed', {
    status: 503,
    code: 'backend_closed',
    retryable: true,
  })
}

function messageOf(error: unknown) {
  return error instanceof Error ? error.message : String(error)
}
