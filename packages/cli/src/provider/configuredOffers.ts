import { modelIdOfFile } from '@infermesh/llama/modelIdOfFile'
import type { ProviderConfig } from '@infermesh/protocol'
import type { Hex } from 'viem'
import { CliError } from '../CliError.js'

/** An offer as the Registry stores it, with the backend model's name for messages. */
export type ConfiguredOffer = { model: string; modelId: Hex; pricePerMInput: bigint; pricePerMOutput: bigint }

/**
 * The offers of a provider config with their on-chain model ids: a llama model's configured `modelId`,
 * else the sha256 of its GGUF file (hashed now, streaming); an upstream model's configured `modelId`.
 *
 * @throws CliError when a GGUF file cannot be read.
 */
export async function configuredOffers(config: ProviderConfig): Promise<ConfiguredOffer[]> {
  const ids = new Map<string, Hex>()
  if (config.backend.kind === 'llama') {
    for (const model of config.backend.models) {
      if (model.modelId) {
        ids.set(model.name, model.modelId)
        continue
      }
      try {
        ids.set(model.name, await modelIdOfFile(model.path))
      } catch (cause) {
        throw new CliError(
          `cannot read the weights of model "${model.name}" at ${model.path} (backend.models): ${(cause as Error).message}`,
          { cause },
        )
      }
    }
  } else {
    for (const model of config.backend.models) ids.set(model.name, model.modelId)
  }
  return config.offers.map((offer) => {
    const modelId = ids.get(offer.model)
    // The schema already checks offers name backend models; this guards a hand-built config.
    if (modelId === undefined) throw new CliError(`the offer for "${offer.model}" names no backend model`)
    return {
      model: offer.model,
      modelId: modelId.toLowerCase() as Hex,
      pricePerMInput: offer.pricePerMInput,
      pricePerMOutput: offer.pricePerMOutput,
    }
  })
}
