import { type Address, getAddress } from 'viem'
import { z } from 'zod'
import { readValidatorList } from './readValidatorList.js'
import type { ValidatorCallParameters, ValidatorClientConfig } from './ValidatorClientConfig.js'

/** A re-execution a validator reports (`GET /infermesh/v1/reports`). */
export type SampleReport = {
  at: string
  provider: Address
  modelId: string
  receiptDigest: string
  source: 'gateway' | 'probe' | 'committee'
  verdict: 'pass' | 'drift' | 'breach'
  checkedTokens: number
  reasons: string[]
  elapsedMs: number
  disputeId?: string | undefined
}

/** The schema of one report; a report that does not match it is dropped, the others kept. */
export const sampleReportSchema = z.object({
  at: z
    .string()
    .max(64)
    .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'must be a date' }),
  provider: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .transform((value) => getAddress(value)),
  modelId: z.string().max(200),
  receiptDigest: z.string().max(200),
  source: z.enum(['gateway', 'probe', 'committee']),
  verdict: z.enum(['pass', 'drift', 'breach']),
  checkedTokens: z.number().int().nonnegative(),
  reasons: z.array(z.string().max(2000)).max(50),
  elapsedMs: z.number().nonnegative(),
  disputeId: z.string().max(80).optional(),
})

/** Where to ask, and how many of the latest reports (1 to 500; 100 by default). */
export type ReportsParameters = ValidatorCallParameters & { limit?: number }

/**
 * Reads a validator's latest re-executions (`GET /infermesh/v1/reports?limit=`), newest first. Reports
 * of the wrong shape are dropped one by one (`dropped` counts them); a body that is not such a list,
 * or a status other than 200, is a PeerError.
 *
 * @example
 * ```ts
 * const { entries } = await reports(config, { endpoint, deadlineMs: 3_000, limit: 50 })
 * ```
 */
export async function reports(
  config: ValidatorClientConfig,
  parameters: ReportsParameters,
): Promise<{ entries: SampleReport[]; dropped: number }> {
  const limit = parameters.limit ?? 100
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 500))
    throw new TypeError(`reports: limit must be a whole number from 1 to 500, not ${limit}`)
  return readValidatorList(config, parameters, `/infermesh/v1/reports?limit=${limit}`, sampleReportSchema)
}
