import type { ProviderAnswer } from '@infermesh/client'
import { describePeerFailure } from './describePeerFailure.js'
import { judgeRefusal } from './judgeRefusal.js'
import type { Attempt, CallOutcome, ForwardContext, ForwardRequest } from './types.js'

/**
 * Sends one attempt to its provider with a voucher (`fresh` re-reads the channel's billed total first)
 * through the provider client: no redirects, private addresses refused unless allowed, the request's
 * remaining time as the deadline, the first-byte limit for the headers and again for each pause in the
 * answer, and bounded reads. Returns what happened as a CallOutcome; it never throws for anything the
 * provider does.
 *
 * @example
 * const outcome = await callProvider(context, forward, attempt, false)
 * if (outcome.kind === 'retryNext') failures.push(outcome.reason)
 */
export async function callProvider(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
  fresh: boolean,
): Promise<CallOutcome> {
  const { stats, metrics, routing, payer, providers } = context
  const { candidate } = attempt
  const remaining = forward.deadline - Date.now()
  if (remaining <= 0) return { kind: 'retryNext', reason: 'the request deadline passed' }
  stats.started(candidate.provider)
  let answer: ProviderAnswer<Record<string, unknown>>
  try {
    answer = await providers[forward.kind]({
      endpoint: candidate.endpoint,
      body: attempt.upstreamBody,
      voucher: await payer.voucherHeader(candidate.provider, candidate.modelId, fresh),
      deadlineMs: remaining,
      firstByteTimeoutMs: Math.min(routing.firstByteTimeoutMs, remaining),
      idleTimeoutMs: routing.firstByteTimeoutMs,
      signal: forward.clientGone,
    })
  } catch (error) {
    if (forward.clientGone.aborted) {
      stats.released(candidate.provider)
      return { kind: 'retryNext', reason: 'the customer left' }
    }
    stats.failed(candidate.provider)
    const failure = describePeerFailure(error)
    metrics.attempts.inc({ outcome: failure.outcome })
    forward.request.log.warn({
      msg: 'provider call failed; trying the next one',
      provider: candidate.provider,
      err: (error as Error).message,
    })
    return { kind: 'retryNext', reason: failure.reason }
  }
  if (answer.kind === 'refusal') return judgeRefusal(context, forward, attempt, answer)
  metrics.attempts.inc({ outcome: 'ok' })
  const ttfb = performance.now() - forward.started
  if (answer.kind === 'stream') return { kind: 'stream', events: answer.events, cancel: answer.cancel, ttfb }
  return { kind: 'answer', body: answer.body as Record<string, unknown>, receipt: answer.receipt, ttfb }
}
