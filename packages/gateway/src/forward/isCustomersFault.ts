import type { ProviderRefusal } from '@infermesh/client'
import { everyProviderHonours } from '@infermesh/llama/everyProviderHonours'
import type { Kind } from './types.js'

/**
 * Whether a provider's refusal may be the customer's doing in a way the gateway cannot check itself,
 * because providers differ: a context too short for the prompt, a body above the provider's limit, an
 * optional parameter the customer did send and the provider does not support (one that not every
 * provider honours: the gateway refused the others' unsupported values itself with the same
 * `checkRequestBody`, so `unsupported_parameter` on `temperature` or `messages` is an excuse), a model
 * without embeddings. Any other 4xx on a request the gateway validated is the provider's fault. (A provider
 * that abuses these excuses is caught later: forward counts them as failures once another provider
 * serves the same request.)
 *
 * @example
 * isCustomersFault('chat', { model: 'tiny', tools: [] }, { status: 400, code: 'unsupported_parameter', param: 'tools', … }) // true
 */
export function isCustomersFault(
  kind: Kind,
  body: Record<string, unknown>,
  refusal: ProviderRefusal,
): boolean {
  if (refusal.status === 413) return true
  if (refusal.status !== 400) return false
  switch (refusal.code) {
    case 'context_length_exceeded':
      return true
    case 'unsupported_parameter': {
      const field = refusal.param?.split('.')[0]
      return (
        field !== undefined &&
        Object.hasOwn(body, field) &&
        body[field] != null &&
        !everyProviderHonours(kind, field)
      )
    }
    case 'model_not_embedding':
    case 'embeddings_not_supported':
      return kind === 'embeddings'
    default:
      return false
  }
}
