import { rankProviders } from '../routing/rankProviders.js'
import type { Candidate, RoutingPreferences } from '../routing/types.js'
import type { ForwardContext } from './types.js'

/**
 * The first step of forwarding: the providers to try for `model`, best first, at most
 * `routing.maxAttempts` of them (see rankProviders for the filters and the sort).
 *
 * @throws GatewayError 404 `model_not_found` or 503 `no_provider_available`, saying why.
 *
 * @example
 * const candidates = routeRequest(context, 'tiny', { sort: 'price' })
 */
export function routeRequest(
  context: ForwardContext,
  model: string,
  preferences: RoutingPreferences,
): Candidate[] {
  return rankProviders({
    model,
    candidates: context.discovery.candidates(model),
    preferences,
    defaultSort: context.routing.defaultSort,
    limit: context.routing.maxAttempts,
  })
}
