import type { Candidate } from '../routing/types.js'
import type { CallOutcome, ForwardContext } from './types.js'

/**
 * Whether a provider's payment refusal is worth one more call with a fresh voucher: a voucher signed
 * earlier can reach the provider after a higher one (`voucher_lowered`: sign again with the current
 * cumulative); a provider holding receipts the gateway never read, from requests the customer aborted
 * (`voucher_stale`), is caught up by at most what those aborts could have cost.
 *
 * @example
 * if (outcome.kind === 'paymentRefused' && (await retryPayment(context, candidate, outcome))) outcome = await callProvider(context, forward, attempt, true)
 */
export async function retryPayment(
  context: ForwardContext,
  candidate: Candidate,
  refusal: Extract<CallOutcome, { kind: 'paymentRefused' }>,
): Promise<boolean> {
  if (refusal.code === 'voucher_lowered') return true
  if (refusal.code === 'voucher_stale' && refusal.owed !== undefined)
    return (await context.payer.resync(candidate.provider, candidate.modelId, refusal.owed)) !== undefined
  return false
}
