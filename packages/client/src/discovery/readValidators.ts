import { registryAbi } from '@infermesh/protocol'
import type { Address, Hex, PublicClient } from 'viem'

/** A validator as discovery sees it: where to send samples and read reputation, and what it re-executes. */
export type NetworkValidator = {
  address: Address
  endpoint: string
  stake: bigint
  /** The model ids it declared in the Registry (lowercase): it takes samples of these models only. */
  models: Hex[]
}

/**
 * Every active validator in the Registry (paged `getValidators`), with the models each declared
 * (`validatorModels`).
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
    const active = page.filter((view) => view.active)
    const models = await Promise.all(
      active.map(
        (view) =>
          parameters.publicClient.readContract({
            address: parameters.registry,
            abi: registryAbi,
            functionName: 'validatorModels',
            args: [view.validator],
          } as never) as Promise<readonly Hex[]>,
      ),
    )
    active.forEach((view, i) => {
      validators.push({
        address: view.validator,
        endpoint: view.endpoint.replace(/\/+$/, ''),
        stake: view.stake,
        models: (models[i] ?? []).map((id) => id.toLowerCase() as Hex),
      })
    })
    if (BigInt(page.length) < pageSize) return validators
  }
}
