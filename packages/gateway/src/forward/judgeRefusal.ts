import type { ProviderRefusal } from '@infermesh/client'
import { GatewayError } from '../errors.js'
import { isCustomersFault } from './isCustomersFault.js'
import type { Attempt, CallOutcome, ForwardContext, ForwardRequest } from './types.js'

/**
 * Sorts a provider's refusal (status 400 to 599) into what forward does next, and counts it: 402 is a
 * payment refusal (released: no fault of the provider); 429 tries the next provider (released); a
 * refusal that may be the customer's doing (isCustomersFault) becomes the gateway's own 4xx
 * (released); anything else, 4xx on a request the gateway validated as much as 5xx, tries the next
 * provider and counts as the provider's failure, so its circuit breaker opens. Nothing the provider
 * wrote is kept but a code of a safe shape.
 *
 * @example
 * if (answer.kind === 'refusal') return judgeRefusal(context, forward, attempt, answer)
 */
export function judgeRefusal(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
  refusal: ProviderRefusal,
): CallOutcome {
  const { stats, metrics } = context
  const { provider } = attempt.candidate
  const { status, code } = refusal
  if (status === 402) {
    stats.released(provider)
    metrics.attempts.inc({ outcome: `payment_${code ?? 'refused'}` })
    return { kind: 'paymentRefused', code, owed: refusal.owed, detail: refusal.detail }
  }
  metrics.attempts.inc({ outcome: `status_${status}` })
  if (status === 429) {
    stats.released(provider)
    return { kind: 'retryNext', reason: 'busy (429)' }
  }
  if (status < 500 && isCustomersFault(forward.kind, attempt.upstreamBody, refusal)) {
    stats.released(provider)
    return { kind: 'clientError', error: customersFault(refusal) }
  }
  stats.failed(provider)
  forward.request.log.warn({
    msg: 'provider refused a request the gateway had validated; trying the next one',
    provider,
    status,
    code,
    detail: refusal.detail,
  })
  return { kind: 'retryNext', reason: `answered ${status}${code ? ` (${code})` : ''}` }
}

/** The gateway's own answer for a refusal that is the customer's to fix. */
function customersFault(refusal: ProviderRefusal): GatewayError {
  const param = refusal.param ?? null
  const options = { status: refusal.status, code: refusal.code ?? 'invalid_request', param, retryable: false }
  if (refusal.status === 413)
    return new GatewayError('The request body is larger than the providers accept: send a smaller one.', {
      ...options,
      code: 'body_too_large',
    })
  switch (refusal.code) {
    case 'context_length_exceeded':
      return new GatewayError(
        "The request does not fit the model's context: shorten the messages or lower max_tokens.",
        options,
      )
    case 'unsupported_parameter':
      return new GatewayError(
        `\`${param}\` is not supported by the providers of this model: leave it out.`,
        options,
      )
    default:
      return new GatewayError(
        'No provider tried serves embeddings for this model: pick an embedding model.',
        options,
      )
  }
}
