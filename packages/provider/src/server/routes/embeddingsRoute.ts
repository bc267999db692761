import { canonicalJson, computeCost, receiptHeader } from '@infermesh/protocol'
import type { FastifyInstance } from 'fastify'
import { billReceipt } from '../billReceipt.js'
import { embeddingsMaxTokens } from '../embeddingsMaxTokens.js'
import { findModel } from '../findModel.js'
import { hashRequestBody } from '../hashRequestBody.js'
import { invalidRequest } from '../invalidRequest.js'
import type { ProviderServerOptions } from '../ProviderServerOptions.js'
import { parseBody } from '../parseBody.js'
import { withAdmission } from '../withAdmission.js'

/**
 * `POST /v1/embeddings`: OpenAI's embeddings (float or base64), through the same admission as
 * generation (voucher, credit, queue, client disconnect and deadline), answered with a signed
 * receipt whose response hash is that of the canonical JSON of the vectors.
 */
export function embeddingsRoute(app: FastifyInstance, options: ProviderServerOptions): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const body = parseBody('embeddings', request.body)
    const model = findModel(options.models, body.model)
    if (!model.embeddings) {
      throw invalidRequest(
        `The model '${model.name}' does not serve embeddings.`,
        'model',
        'model_not_embedding',
      )
    }
    const requestHash = hashRequestBody('embeddings', request.body)
    const inputs = Array.isArray(body.input) ? body.input : [body.input]
    const maxCost = computeCost({
      inputTokens: BigInt(embeddingsMaxTokens(inputs)),
      outputTokens: 0n,
      pricePerMInput: model.pricePerMInput,
      pricePerMOutput: model.pricePerMOutput,
    })
    return withAdmission(options, request, reply, { model, maxCost }, async (admitted) => {
      const result = await options.backend.embed(model.name, inputs, admitted.signal)
      admitted.workDone()
      const receipt = await billReceipt(options, {
        admitted,
        model,
        requestHash,
        responseText: canonicalJson(result.embeddings),
        inputTokens: result.inputTokens,
        outputTokens: 0,
        tokenIds: [], // nothing generated: tokensHash is keccak256 of no bytes
      })
      options.metrics.requests.inc({ route: 'embeddings', model: model.name, status: 200 })
      reply.header(receiptHeader, receipt)
      const base64 = body.encoding_format === 'base64'
      return {
        object: 'list',
        model: model.name,
        data: result.embeddings.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        })),
        usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
      }
    })
  })
}
