import type { Hex } from 'viem'

/** A model a backend serves, as the provider advertises it. */
export type BackendModel = {
  /** The name clients put in `model` (and `/v1/models` lists). */
  name: string
  /** On-chain model id: sha256 of the weights file (0x + 64 hex), or a registered name's id. */
  modelId: Hex
  /** Largest prompt + completion the model takes, in tokens. */
  contextLength: number
  /** Whether `embed` works for this model. */
  embeddings: boolean
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string }

/** One generation. Exactly one of `messages` (chat, the model's chat template applies) or `prompt`. */
export type GenerateParams = {
  model: string
  messages?: ChatMessage[]
  prompt?: string
  /** Most tokens to generate. */
  maxTokens: number
  /**
   * The request named no max_tokens: `maxTokens` is only a ceiling, and the backend generates at
   * most what the context has left after the prompt (instead of refusing the request).
   */
  upToContext?: boolean
  /** 0 means greedy decoding. */
  temperature?: number
  topP?: number
  /** Seeded sampling: the same seed, prompt and build give the same tokens. */
  seed?: number
  stop?: string[]
  /** Aborting stops generation; the result then holds what was produced so far. */
  signal?: AbortSignal
  /** Called with each piece of text as it is produced (streaming). */
  onText?: (text: string) => void
}

export type GenerateResult = {
  text: string
  /** Exact prompt tokens (after the chat template), as the model tokenized them. */
  inputTokens: number
  /** Exact generated tokens. */
  outputTokens: number
  /**
   * The generated token ids in order, one per output token (an end-of-generation token and the tokens
   * of a matched stop string included), for the receipt's `tokensHash`. Absent when the backend cannot
   * report them (an upstream OpenAI-compatible server): the receipt then says "unknown" (bytes32(0)).
   */
  tokenIds?: number[]
  finishReason: 'stop' | 'length' | 'aborted'
}

export type EmbedResult = { embeddings: number[][]; inputTokens: number }

/**
 * Where inference happens. The provider meters, signs and bills whatever backend answers, so a new
 * backend only has to implement this. Errors are `HttpError`s (`LlamaError` here, `ProviderError` in the provider's own backends): `model_not_found` (404),
 * `context_length_exceeded` (400), `upstream_unavailable` (502).
 */
export interface Backend {
  readonly kind: 'llama' | 'openai-compatible'
  /** The models this backend serves. */
  models(): BackendModel[]
  generate(params: GenerateParams): Promise<GenerateResult>
  embed(model: string, inputs: string[], signal?: AbortSignal): Promise<EmbedResult>
  /** Frees models, contexts and connections. */
  close(): Promise<void>
}
