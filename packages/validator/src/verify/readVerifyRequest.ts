import { type ChatMessage, chatRequestSchema, completionRequestSchema } from '@infermesh/llama'
import type { z } from 'zod'
import { ValidatorError } from '../errors.js'

/** The parts of an OpenAI request body that decide what the provider had to generate. */
export type VerifyRequest = {
  kind: 'chat' | 'completion'
  messages?: ChatMessage[]
  prompt?: string
  /** `max_completion_tokens ?? max_tokens`; `undefined` when the request named none. */
  maxTokens: number | undefined
  /** The provider's default is 1 (OpenAI's); 0 is greedy decoding. */
  temperature: number
  topP: number
  seed: number | undefined
  stop: string[]
}

/**
 * Reads an OpenAI chat or completion request body (as the provider received it and the receipt hashes
 * it) the way the provider's HTTP layer does: the same schemas, `developer` messages as `system`,
 * temperature 1 and top-p 1 when absent.
 *
 * @throws ValidatorError `invalid_request` when the body is neither a chat nor a completion request.
 */
export function readVerifyRequest(body: unknown): VerifyRequest {
  const isChat = typeof body === 'object' && body !== null && 'messages' in body
  const invalid = (error: z.ZodError) =>
    new ValidatorError(
      `the request is not a valid ${isChat ? 'chat' : 'completion'} request: ${error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
      { status: 400, code: 'invalid_request', cause: error },
    )
  const common = (data: z.output<typeof completionRequestSchema> | z.output<typeof chatRequestSchema>) => ({
    temperature: data.temperature ?? 1,
    topP: data.top_p ?? 1,
    seed: data.seed ?? undefined,
    stop: data.stop == null ? [] : Array.isArray(data.stop) ? data.stop : [data.stop],
  })
  if (isChat) {
    const parsed = chatRequestSchema.safeParse(body)
    if (!parsed.success) throw invalid(parsed.error)
    const data = parsed.data
    const messages: ChatMessage[] = data.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content,
    }))
    return {
      kind: 'chat',
      messages,
      maxTokens: data.max_completion_tokens ?? data.max_tokens ?? undefined,
      ...common(data),
    }
  }
  const parsed = completionRequestSchema.safeParse(body)
  if (!parsed.success) throw invalid(parsed.error)
  const data = parsed.data
  const prompt = Array.isArray(data.prompt) ? (data.prompt[0] ?? '') : data.prompt
  return { kind: 'completion', prompt, maxTokens: data.max_tokens ?? undefined, ...common(data) }
}
