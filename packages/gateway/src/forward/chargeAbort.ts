import type { Attempt, ForwardContext, ForwardRequest } from './types.js'

/**
 * The customer left before the receipt was read: the provider bills what it generated in a receipt
 * the gateway will not see, so the key that aborted is charged the request's worst case (reserved up
 * front, so it fits its limit) and the channel may catch up by that much, never by anything computed
 * from the customer's raw max_tokens (audit §6, §8). The payer caps the channel's allowance.
 *
 * @example
 * if (forward.clientGone.aborted) await chargeAbort(context, forward, attempt)
 */
export async function chargeAbort(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
): Promise<void> {
  const { candidate, worstCase } = attempt
  await context.payer.addAbortAllowance(candidate.provider, candidate.modelId, worstCase)
  const { reservation } = forward
  const release = reservation.open ? reservation.amount : 0n
  reservation.open = false
  forward.apiKey.spent += worstCase
  await context.store.recordUsage({
    apiKeyId: forward.apiKey.id,
    provider: candidate.provider,
    model: forward.model,
    modelId: candidate.modelId,
    promptTokens: 0,
    completionTokens: 0,
    cost: worstCase,
    latencyMs: performance.now() - forward.started,
    requestHash: attempt.requestHash,
    release,
  })
}
