import { modelRegistryAbi } from '@infermesh/protocol'
import type { Address, Hex, PublicClient } from 'viem'

/**
 * The name a model id is registered under in the ModelRegistry, or undefined when it is not
 * registered. Names are unique on-chain, so this is the inverse of `modelIdOfName`: the customer-facing
 * name of the id, which no provider can claim for another id.
 *
 * @example
 * ```ts
 * const name = await readModelName({ publicClient, models, modelId }) // 'tiny'
 * ```
 */
export async function readModelName(parameters: {
  publicClient: PublicClient
  models: Address
  modelId: Hex
}): Promise<string | undefined> {
  const model = await parameters.publicClient.readContract({
    address: parameters.models,
    abi: modelRegistryAbi,
    functionName: 'getModel',
    args: [parameters.modelId],
  })
  return /^0x0{40}$/i.test(model.owner) || model.name === '' ? undefined : model.name
}
