import { type Address, getAddress } from 'viem'
import { z } from 'zod'
import { readValidatorList } from './readValidatorList.js'
import type { ValidatorCallParameters, ValidatorClientConfig } from './ValidatorClientConfig.js'

/** One validator's record of one provider (`GET /infermesh/v1/reputation`). */
export type ProviderReputation = {
  provider: Address
  samples: number
  passed: number
  drifted: number
  breached: number
  /** 0..1: (passed + drifted / 2) / samples. */
  reputation: number
}

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/** The schema of one entry; an entry that does not match it is dropped, the others kept. */
export const providerReputationSchema = z.object({
  provider: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .transform((value) => getAddress(value)),
  samples: count,
  passed: count,
  drifted: count,
  breached: count,
  reputation: z.number().min(0).max(1),
})

/**
 * Reads a validator's record of every provider it re-executed (`GET /infermesh/v1/reputation`): at
 * most `maxAnswerBytes` (4 MiB by default) and 100,000 entries. Entries of the wrong shape are dropped
 * one by one (`dropped` counts them); a body that is not such a list, or a status other than 200, is a
 * PeerError.
 *
 * @example
 * ```ts
 * const { entries } = await reputation(config, { endpoint, deadlineMs: 3_000 })
 * ```
 */
export async function reputation(
  config: ValidatorClientConfig,
  parameters: ValidatorCallParameters,
): Promise<{ entries: ProviderReputation[]; dropped: number }> {
  return readValidatorList(config, parameters, '/infermesh/v1/reputation', providerReputationSchema)
}
