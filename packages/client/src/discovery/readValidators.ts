import { registryAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'

/** A validator as discovery sees it: where to send samples and read reputation. */
export type NetworkValidator = { address: Address; endpoint: string; stake: bigint }

/**
 * Every active validator in the Registry (paged `getValidators`).
 *
 * @example
 * ```ts
 * const validators = await readValidators({ publicClient, registry })
 * ```
 */
export async function readValidators(parameters: {
  publicClient: PublicClient
  registry: Address
}): Promise<NetworkValidator[]> {
  const pageSize = 100n
  const validators: NetworkValidator[] = []
  for (let offset = 0n; ; offset += pageSize) {
    const page = await parameters.publicClient.readContract({
      address: parameters.registry,
      abi: registryAbi,
      functionName: 'getValidators',
      args: [offset, pageSize],
    })
    for (const view of page)
      if (view.active)
        validators.push({
          address: view.validator,
          endpoint: view.endpoint.replace(/\/+$/, ''),
          stake: view.stake,
        })
    if (BigInt(page.length) < pageSize) return validators
  }
}
