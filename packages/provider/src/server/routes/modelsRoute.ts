import type { FastifyInstance } from 'fastify'
import type { ProviderServerOptions } from '../ProviderServerOptions.js'

/**
 * `GET /v1/models`: the models this provider sells, in OpenAI's list shape, each with its on-chain
 * id, prices (MESH wei per 1M tokens), context length and whether it embeds under `infermesh`.
 */
export function modelsRoute(app: FastifyInstance, options: ProviderServerOptions): void {
  app.get('/v1/models', async () => ({
    object: 'list',
    data: options.models.map((model) => ({
      id: model.name,
      object: 'model',
      created: 0,
      owned_by: options.account.address,
      infermesh: {
        modelId: model.modelId,
        pricePerMInput: model.pricePerMInput.toString(),
        pricePerMOutput: model.pricePerMOutput.toString(),
        contextLength: model.contextLength,
        embeddings: model.embeddings,
      },
    })),
  }))
}
