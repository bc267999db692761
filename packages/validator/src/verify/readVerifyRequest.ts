import { type ChatMessage, chatRequestSchema, completionRequestSchema } from '@infermesh/llama'
import type { RequestKind } from '@infermesh/protocol'
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
 * Reads an OpenAI request body (as the provider received it and the receipt hashes it) as the `kind` of
 * request the receipt names, the way the provider's route for that kind does: the same schema (unknown
 * fields, another kind's fields and unsupported parameters refused, as providers refuse them), `developer`
 * messages as `system`, temperature 1 and top-p 1 when absent. The kind is never guessed from the fields:
 * a completion that also carries `messages` is no valid request at all (the framing attack of issue 13:
 * re-run as a chat, an honest completion would look like a breach).
 *
 * @throws ValidatorError `invalid_request` when the body is not a valid request of that kind, or the kind
 * is `embeddings` (not re-executed by token).
 */
export function readVerifyRequest(kind: RequestKind, body: unknown): VerifyRequest {
  if (kind === 'embeddings') {
    throw new ValidatorError('embeddings requests are not re-executed token by token', {
      status: 400,
      code: 'invalid_request',
    })
  }
  const invalid = (error: z.ZodError) =>
    new ValidatorError(
      `the request is not a valid ${kind} request: ${error.issues
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
  if (kind === 'chat') {
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
