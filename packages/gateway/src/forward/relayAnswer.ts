import { usageOf } from '@infermesh/payments'
import { answerText } from './answerText.js'
import { settle } from './settle.js'
import { toBase64 } from './toBase64.js'
import type { Attempt, CallOutcome, ForwardContext, ForwardRequest } from './types.js'

/**
 * Relays a non-streamed answer, but only once its receipt is verified and billed (settle): an answer
 * without a valid receipt is never shown to the customer, and forward tries the next provider. Returns
 * the body to send, or undefined when the answer was refused.
 *
 * @example
 * const json = await relayAnswer(context, forward, attempt, outcome)
 * if (json) return json
 */
export async function relayAnswer(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
  outcome: Extract<CallOutcome, { kind: 'answer' }>,
): Promise<Record<string, unknown> | undefined> {
  const { body } = outcome
  const settled = await settle(context, forward, attempt, {
    encoded: outcome.receipt,
    responseText: answerText(forward.kind, body),
    usage: usageOf(body.usage),
  })
  if (!settled) return undefined
  const tokens = (body.usage as { completion_tokens?: number } | null | undefined)?.completion_tokens
  context.stats.succeeded(attempt.candidate.provider, {
    latencyMs: outcome.ttfb,
    ...(tokens && { msPerToken: outcome.ttfb / tokens }),
  })
  if (forward.wantsBase64) toBase64(body)
  context.metrics.requests.inc({ route: forward.kind, status: 200 })
  context.metrics.latency.observe({ route: forward.kind }, (performance.now() - forward.started) / 1000)
  return body
}
