import { registryAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'
import type { RegisteredProvider } from './RegisteredProvider.js'
import { toRegisteredProvider } from './toRegisteredProvider.js'

/**
 * Every active provider in the Registry, read through its paged view (`getProviders`, `pageSize` at a
 * time). Discovery reads this once at start and as a rare safety net; changes come from the Registry's
 * events (`readProvider`).
 *
 * @example
 * ```ts
 * const providers = await readProviders({ publicClient, registry })
 * ```
 */
export async function readProviders(parameters: {
  publicClient: PublicClient
  registry: Address
  pageSize?: bigint
}): Promise<RegisteredProvider[]> {
  const pageSize = parameters.pageSize ?? 100n
  const providers: RegisteredProvider[] = []
  for (let offset = 0n; ; offset += pageSize) {
    const page = await parameters.publicClient.readContract({
      address: parameters.registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [offset, pageSize],
    })
    for (const view of page) {
      const provider = toRegisteredProvider(view)
      if (provider) providers.push(provider)
    }
    if (BigInt(page.length) < pageSize) return providers
  }
}
