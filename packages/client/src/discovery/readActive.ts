import { uptimeAbi } from '@infermesh/protocol'
import type { Address, PublicClient } from 'viem'

/**
 * Whether each provider is at or above the uptime floor by validators' reports of the last epoch (the
 * Uptime contract's `isActive`), `concurrency` reads at a time. A read that fails leaves that provider
 * out of the answer (nothing known), never fails the others.
 *
 * @example
 * ```ts
 * for (const [provider, active] of await readActive({ publicClient, uptime, providers })) judge(provider, active)
 * ```
 */
export async function readActive(parameters: {
  publicClient: PublicClient
  uptime: Address
  providers: readonly Address[]
  concurrency?: number
}): Promise<Map<Address, boolean>> {
  const verdicts = new Map<Address, boolean>()
  let next = 0
  const worker = async () => {
    while (next < parameters.providers.length) {
      const provider = parameters.providers[next++] as Address
      try {
        verdicts.set(
          provider,
          await parameters.publicClient.readContract({
            address: parameters.uptime,
            abi: uptimeAbi,
            functionName: 'isActive',
            args: [provider],
          }),
        )
      } catch {
        // Nothing known about this provider this time.
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, parameters.concurrency ?? 8) }, worker))
  return verdicts
}
