import type { FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import type { ApiKey } from '../store/createGatewayStore.js'

/**
 * The request's API key, for a handler: fails closed with 401 when the route's API-key check did not
 * run, so a route registered without it can never serve (or bill) anyone.
 *
 * @example
 * const apiKey = requireApiKey(request)
 */
export function requireApiKey(request: FastifyRequest): ApiKey {
  if (request.apiKey) return request.apiKey
  throw new GatewayError('No API key provided: send `Authorization: Bearer <key>`.', {
    status: 401,
    code: 'invalid_api_key',
    type: 'authentication_error',
    retryable: false,
  })
}
