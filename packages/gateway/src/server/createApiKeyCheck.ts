import type { FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import type { ApiKey, GatewayStore } from '../store/createGatewayStore.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The customer's API key, set by the API-key check of the /v1 routes. */
    apiKey?: ApiKey
  }
}

/**
 * The API-key check, registered as the `onRequest` hook of each /v1 route itself (never a global hook
 * matching the URL, which a percent-encoded path such as `/%761/models` slipped past): reads
 * `Authorization: Bearer <key>`, sets `request.apiKey`, or answers 401. Keys looked up in the last few
 * seconds are cached, so a burst of requests costs one database read; spending is added to the cached
 * key as well as in the database, so limits hold between reads.
 *
 * @example
 * const checkApiKey = createApiKeyCheck(store)
 * app.get('/v1/models', { onRequest: checkApiKey }, handler)
 */
export function createApiKeyCheck(store: Pick<GatewayStore, 'findApiKey'>) {
  const keyCache = new Map<string, { apiKey: ApiKey; at: number }>()
  const findKey = async (key: string) => {
    const cached = keyCache.get(key)
    if (cached && Date.now() - cached.at < 5000) return cached.apiKey
    const apiKey = await store.findApiKey(key)
    if (apiKey) keyCache.set(key, { apiKey, at: Date.now() })
    else keyCache.delete(key)
    return apiKey
  }
  return async function checkApiKey(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
    const apiKey = key ? await findKey(key) : undefined
    if (!apiKey) {
      throw new GatewayError(
        key
          ? 'Incorrect API key provided. Create one with `infermesh keys create`.'
          : 'No API key provided: send `Authorization: Bearer <key>` (create one with `infermesh keys create`).',
        { status: 401, code: 'invalid_api_key', type: 'authentication_error', retryable: false },
      )
    }
    request.apiKey = apiKey
  }
}
