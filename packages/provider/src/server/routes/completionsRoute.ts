import type { FastifyInstance } from 'fastify'
import { findModel } from '../findModel.js'
import { hashRequestBody } from '../hashRequestBody.js'
import type { ProviderServerOptions } from '../ProviderServerOptions.js'
import { parseBody } from '../parseBody.js'
import { runGeneration } from '../runGeneration.js'

/**
 * `POST /v1/completions`: OpenAI's legacy text completion (one prompt), streamed or not, paid by
 * the voucher in `x-infermesh-voucher` and answered with a signed receipt (PROTOCOL.md §8).
 */
export function completionsRoute(app: FastifyInstance, options: ProviderServerOptions): void {
  app.post('/v1/completions', async (request, reply) => {
    const body = parseBody('completion', request.body)
    const model = findModel(options.models, body.model)
    const requestHash = hashRequestBody('completion', request.body)
    const prompt = Array.isArray(body.prompt) ? (body.prompt[0] ?? '') : body.prompt
    const stop = body.stop == null ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop]
    return runGeneration(options, request, reply, {
      kind: 'completion',
      model,
      requestHash,
      input: { prompt },
      maxTokens: body.max_tokens ?? options.defaultMaxTokens ?? 16,
      upToContext: false,
      ...(body.temperature != null && { temperature: body.temperature }),
      ...(body.top_p != null && { topP: body.top_p }),
      ...(body.seed != null && { seed: body.seed }),
      ...(stop && { stop }),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    })
  })
}
