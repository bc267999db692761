import {
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type LlamaText,
  SpecialToken,
  type Token,
} from 'node-llama-cpp'
import type { ChatMessage } from '../backend.js'
import { LlamaError } from '../LlamaError.js'

/** What `buildPromptTokens` reads: exactly one of `messages` (chat) or `prompt` (completion). */
export type PromptInput = { messages?: ChatMessage[]; prompt?: string }

/** The exact tokens a model evaluates for a request, and the stops its chat template adds. */
export type PromptTokens = {
  tokens: Token[]
  /** Single special tokens that end a chat turn (matched by id). */
  stopTokens: Set<Token>
  /** Texts that end a chat turn (matched in the decoded text). */
  stopTexts: string[]
}

/**
 * Builds the exact prompt tokens of a request, the way the llama backend evaluates them: a chat goes
 * through `chatWrapper` (node-llama-cpp's `resolveChatWrapper(model)`: the GGUF's Jinja template or a
 * wrapper picked from the model), a completion is BOS (when the model wants one) and the plain text, as
 * node-llama-cpp's `LlamaCompletion` does. The provider's backend and the validator both call this, so
 * the validator re-executes the very tokens the provider billed (`inputTokens = tokens.length`).
 *
 * @throws LlamaError `invalid_request` (400) when both or neither of `messages`/`prompt` are given,
 * `messages` is empty or the prompt tokenizes to nothing.
 *
 * @example
 * ```ts
 * const { tokens } = buildPromptTokens(model, resolveChatWrapper(model), { prompt: 'Hello' })
 * ```
 */
export function buildPromptTokens(
  model: LlamaModel,
  chatWrapper: ChatWrapper,
  input: PromptInput,
): PromptTokens {
  const { messages, prompt } = input
  if ((messages === undefined) === (prompt === undefined))
    throw new LlamaError('send exactly one of messages (chat) or prompt (completion)', {
      status: 400,
      code: 'invalid_request',
      param: messages === undefined ? 'prompt' : 'messages',
    })
  if (messages !== undefined) {
    if (messages.length === 0)
      throw new LlamaError('messages is empty; send at least one message', {
        status: 400,
        code: 'invalid_request',
        param: 'messages',
      })
    const chatHistory: ChatHistoryItem[] = [...messages.map(historyItem), { type: 'model', response: [] }]
    const state = chatWrapper.generateContextState({ chatHistory })
    const stops = templateStops(model, state.stopGenerationTriggers)
    return { tokens: state.contextText.tokenize(model.tokenizer), ...stops }
  }
  // Like node-llama-cpp's LlamaCompletion: BOS when the model wants one, then the plain text.
  const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null
  const text = model.tokenize(prompt ?? '', false, bos === null ? undefined : 'trimLeadingSpace')
  const tokens = bos === null ? text : [bos, ...text]
  if (tokens.length === 0)
    throw new LlamaError('prompt is empty', { status: 400, code: 'invalid_request', param: 'prompt' })
  return { tokens, stopTokens: new Set(), stopTexts: [] }
}

function historyItem(message: ChatMessage): ChatHistoryItem {
  if (message.role === 'system') return { type: 'system', text: message.content }
  if (message.role === 'user') return { type: 'user', text: message.content }
  return { type: 'model', response: [message.content] }
}

/**
 * Splits a chat template's stop triggers into single special tokens (matched by id) and plain texts
 * (matched in the decoded text). Triggers that mix special tokens with text are rare and skipped.
 */
function templateStops(model: LlamaModel, triggers: readonly LlamaText[]) {
  const stopTokens = new Set<Token>()
  const stopTexts: string[] = []
  for (const trigger of triggers) {
    const tokens = trigger.tokenize(model.tokenizer)
    const [first] = tokens
    if (tokens.length === 1 && first !== undefined && model.isSpecialToken(first)) stopTokens.add(first)
    else if (!trigger.values.some((value) => value instanceof SpecialToken))
      stopTexts.push(trigger.toString())
  }
  return { stopTokens, stopTexts }
}
