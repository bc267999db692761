import type { Address } from 'viem'
import { reputation } from '../validator/reputation.js'
import type { ValidatorClientConfig } from '../validator/ValidatorClientConfig.js'
import type { NetworkValidator } from './readValidators.js'

/**
 * Validators' reputation of each provider, 0..1: every validator's record (`GET
 * /infermesh/v1/reputation` through the validatorClient), weighted by how many samples each checked. A
 * validator that does not answer, or answers badly, says nothing; its failure is passed to `onError`.
 *
 * @example
 * ```ts
 * for (const [provider, value] of await readReputation({ validators, config, deadlineMs: 3_000 })) judge(provider, value)
 * ```
 */
export async function readReputation(parameters: {
  validators: readonly NetworkValidator[]
  config: ValidatorClientConfig
  deadlineMs: number
  onError?: (validator: NetworkValidator, error: Error) => void
}): Promise<Map<Address, number>> {
  const totals = new Map<string, { samples: number; weighted: number; provider: Address }>()
  await Promise.all(
    parameters.validators.map(async (validator) => {
      try {
        const { entries } = await reputation(parameters.config, {
          endpoint: validator.endpoint,
          deadlineMs: parameters.deadlineMs,
        })
        for (const entry of entries) {
          if (entry.samples === 0) continue
          const key = entry.provider.toLowerCase()
          const total = totals.get(key) ?? { samples: 0, weighted: 0, provider: entry.provider }
          total.samples += entry.samples
          total.weighted += entry.samples * entry.reputation
          totals.set(key, total)
        }
      } catch (error) {
        parameters.onError?.(validator, error as Error)
      }
    }),
  )
  return new Map([...totals.values()].map((total) => [total.provider, total.weighted / total.samples]))
}
