import { computeCost, type RequestKind } from '@infermesh/protocol'

/** The three kinds of paid request: `RequestKind` of @infermesh/protocol (bound into `requestHash`). */
export type { RequestKind }

/** What a request can be billed for at most, in tokens. */
export type RequestBounds = {
  /** The most input tokens the prompt can tokenize to (promptTokenBound). */
  maxInputTokens: bigint
  /** The most output tokens it can generate: min(max_tokens, context) × n; 0 for embeddings. */
  maxOutputTokens: bigint
}

/** Prices of an offer, MESH wei per 1M tokens. */
export type OfferPrices = { pricePerMInput: bigint; pricePerMOutput: bigint }

/**
 * Tokens added to the prompt's bytes: per message (role markers of a chat template, a SentencePiece
 * dummy prefix per segment) and once per request (BOS, the generation prompt, a template's short
 * default system prompt).
 */
export const promptOverhead = { perMessage: 8n, fixed: 64n } as const

const encoder = new TextEncoder()
const bytesOf = (value: unknown) => BigInt(encoder.encode(JSON.stringify(value) ?? '').length)

/**
 * The most tokens a request's input can tokenize to: the UTF-8 bytes of its JSON (messages, prompt or
 * input) plus a small overhead per message and per request. Why this bounds every tokenizer in use:
 * each token of a byte-level BPE vocabulary (GPT-2, Llama 3, Qwen) or of a SentencePiece vocabulary
 * with byte fallback (Llama 2, Mistral, Gemma) stands for at least one byte of the text it covers, so
 * b bytes of text are at most b tokens; the JSON holds every byte of each content and role plus at
 * least 24 bytes of structure per message (`{"role":"","content":""}`), more than the template's
 * markers around a message (ChatML and Llama 3 add 4–6 tokens), and `promptOverhead` covers what a
 * template adds once (BOS, the assistant's header, a default system line) and one dummy-prefix token
 * per segment.
 *
 * @example
 * promptTokenBound('chat', { messages: [{ role: 'user', content: 'hi' }] }) // 104n (32 bytes + 8 + 64)
 */
export function promptTokenBound(kind: RequestKind, body: Record<string, unknown>): bigint {
  switch (kind) {
    case 'chat': {
      const messages = Array.isArray(body.messages) ? body.messages : []
      return (
        bytesOf(body.messages) + promptOverhead.perMessage * BigInt(messages.length) + promptOverhead.fixed
      )
    }
    case 'completion':
      return bytesOf(body.prompt) + promptOverhead.perMessage + promptOverhead.fixed
    case 'embeddings': {
      const inputs = Array.isArray(body.input) ? body.input : [body.input]
      // Each input is tokenized on its own (its own BOS and template).
      return inputs.reduce<bigint>(
        (sum, input) => sum + bytesOf(input) + promptOverhead.perMessage + promptOverhead.fixed,
        0n,
      )
    }
  }
}

const positiveInteger = (value: unknown): bigint | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? BigInt(value) : undefined

/**
 * The token bounds of a request as sent: input from promptTokenBound, output min(max_tokens, context)
 * for each of its n choices (`max_completion_tokens` first for chat, as providers read it); a request
 * without max_tokens may generate up to the context.
 *
 * @example
 * requestBounds('chat', { messages, max_tokens: 1e12 }, { contextTokens: 4096 }).maxOutputTokens // 4096n
 */
export function requestBounds(
  kind: RequestKind,
  body: Record<string, unknown>,
  options: { contextTokens: number },
): RequestBounds {
  const maxInputTokens = promptTokenBound(kind, body)
  if (kind === 'embeddings') return { maxInputTokens, maxOutputTokens: 0n }
  const context = BigInt(options.contextTokens)
  const asked =
    (kind === 'chat' ? positiveInteger(body.max_completion_tokens) : undefined) ??
    positiveInteger(body.max_tokens)
  const perChoice = asked !== undefined && asked < context ? asked : context
  const choices = positiveInteger(body.n) ?? 1n
  return { maxInputTokens, maxOutputTokens: perChoice * choices }
}

/**
 * The one worst-case cost function of the payments room, used by the payer (gateway) before it sends
 * a request and by a provider before it admits one: what the request can cost at most at the offer's
 * prices, cost(prompt bound, min(max_tokens, context)). A receipt never bills more than this.
 *
 * @example
 * const worst = worstCaseCost(requestBounds('chat', body, { contextTokens: 4096 }), offer)
 */
export function worstCaseCost(bounds: RequestBounds, offer: OfferPrices): bigint {
  return computeCost({
    inputTokens: bounds.maxInputTokens,
    outputTokens: bounds.maxOutputTokens,
    pricePerMInput: offer.pricePerMInput,
    pricePerMOutput: offer.pricePerMOutput,
  })
}
