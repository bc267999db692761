import { z } from 'zod'

const text = z.union([
  z.string(),
  z
    .array(z.object({ type: z.literal('text'), text: z.string() }))
    .transform((parts) => parts.map((p) => p.text).join('')),
])

const common = {
  model: z.string().min(1, 'must name a model'),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().positive().nullish(),
  logprobs: z.union([z.boolean(), z.number()]).nullish(),
  user: z.string().nullish(),
}

/** `POST /v1/chat/completions` body: the OpenAI fields this provider honours (others are ignored). */
export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: text }))
    .min(1, 'must hold at least one message'),
  max_completion_tokens: z.number().int().positive().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
})

/** `POST /v1/completions` body. */
export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'must be one prompt (batches are not supported)'),
  ]),
})

/** `POST /v1/embeddings` body. */
export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1, 'must name a model'),
  input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
})

export type ChatRequest = z.output<typeof chatRequestSchema>
export type CompletionRequest = z.output<typeof completionRequestSchema>
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>
