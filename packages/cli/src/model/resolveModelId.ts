import { modelRegistryAbi } from '@infermesh/protocol'
import { type Hex, zeroHash } from 'viem'
import { CliError } from '../CliError.js'
import type { ModelChain } from './connectModelChain.js'
import type { ModelTarget } from './resolveModelTarget.js'

/**
 * The model id a person named: a 0x-prefixed 32-byte id as is, else a name registered in the
 * ModelRegistry.
 *
 * @throws CliError when no model has that name.
 */
export async function resolveModelId(chain: ModelChain, target: ModelTarget, model: string): Promise<Hex> {
  if (/^0x[0-9a-fA-F]{64}$/.test(model)) return model.toLowerCase() as Hex
  const id = await chain.publicClient.readContract({
    address: target.contracts.models,
    abi: modelRegistryAbi,
    functionName: 'modelIdOfName',
    args: [model],
  })
  if (id === zeroHash)
    throw new CliError(
      `no model is named "${model}" in the ModelRegistry at ${target.contracts.models}: give its 0x id, or register it with "infermesh model register"`,
    )
  return id
}
