import { registryAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'
import type { RegisteredProvider } from './RegisteredProvider.js'
import { toRegisteredProvider } from './toRegisteredProvider.js'

/**
 * One provider as the Registry describes it now (`getProvider`), or undefined when it is not an active
 * provider. Discovery calls it for each address a Registry event names.
 *
 * @example
 * ```ts
 * const provider = await readProvider({ publicClient, registry, address })
 * ```
 */
export async function readProvider(parameters: {
  publicClient: PublicClient
  registry: Address
  address: Address
}): Promise<RegisteredProvider | undefined> {
  const view = await parameters.publicClient.readContract({
    address: parameters.registry,
    abi: registryAbi,
    functionName: 'getProvider',
    args: [parameters.address],
  })
  return toRegisteredProvider(view)
}
