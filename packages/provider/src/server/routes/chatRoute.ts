import type { ChatMessage } from '@infermesh/llama'
import type { FastifyInstance } from 'fastify'
import { findModel } from '../findModel.js'
import { hashRequestBody } from '../hashRequestBody.js'
import type { ProviderServerOptions } from '../ProviderServerOptions.js'
import { parseBody } from '../parseBody.js'
import { runGeneration } from '../runGeneration.js'

/**
 * `POST /v1/chat/completions`: OpenAI's chat completion, streamed or not, paid by the voucher in
 * `x-infermesh-voucher` and answered with a signed receipt (PROTOCOL.md §8).
 */
export function chatRoute(app: FastifyInstance, options: ProviderServerOptions): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody('chat', request.body)
    const model = findModel(options.models, body.model)
    const requestHash = hashRequestBody('chat', request.body)
    const messages: ChatMessage[] = body.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content,
    }))
    const maxTokens = body.max_completion_tokens ?? body.max_tokens
    const stop = body.stop == null ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop]
    return runGeneration(options, request, reply, {
      kind: 'chat',
      model,
      requestHash,
      input: { messages },
      maxTokens: maxTokens ?? options.defaultMaxTokens ?? model.contextLength,
      upToContext: maxTokens == null,
      ...(body.temperature != null && { temperature: body.temperature }),
      ...(body.top_p != null && { topP: body.top_p }),
      ...(body.seed != null && { seed: body.seed }),
      ...(stop && { stop }),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    })
  })
}
