import { ProviderError } from '../errors.js'
import type { ServedModel } from './ProviderServerOptions.js'

/**
 * The served model a request names, by name or by its on-chain id (0x…, any case).
 * @throws ProviderError 404 model_not_found, listing the models this provider serves
 */
export function findModel(models: ServedModel[], name: string, param = 'model'): ServedModel {
  const model =
    models.find((m) => m.name === name) ?? models.find((m) => m.modelId.toLowerCase() === name.toLowerCase())
  if (!model) {
    throw new ProviderError(
      `The model '${name}' is not served by this provider. Models: ${models.map((m) => m.name).join(', ') || 'none'}.`,
      { status: 404, code: 'model_not_found', param },
    )
  }
  return model
}
