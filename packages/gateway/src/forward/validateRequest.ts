import { checkRequestBody } from '@infermesh/llama/checkRequestBody'
import { canonicalJson } from '@infermesh/protocol'
import { GatewayError } from '../errors.js'
import type { RoutingPreferences } from '../routing/types.js'
import { parsePreferences } from '../server/parsePreferences.js'
import type { Kind } from './types.js'

/** A customer's request after the gateway's own checks. */
export type ValidRequest = {
  model: string
  /** The body without the gateway's `provider` field, as the customer sent it (nothing rewritten). */
  body: Record<string, unknown>
  preferences: RoutingPreferences
  stream: boolean
  wantsBase64: boolean
}

const invalid = (message: string, param: string | null = null, code = 'invalid_request') =>
  new GatewayError(message, { status: 400, code, param, retryable: false })

/**
 * Checks a customer's request the way every honest provider does (`checkRequestBody`, the one check
 * both use), so a request at fault is answered 400 by the gateway before it is routed or charged and
 * never reaches a provider: a provider that refuses a request that passed here is failed over and
 * counted as failing. Also reads the routing preferences (`provider`, the gateway's own field).
 *
 * @throws GatewayError 400 `invalid_request` naming the field at fault (malformed, unrecognized, or
 * another endpoint's), or 400 `unsupported_parameter` naming a parameter of OpenAI's API that the
 * network does not honour (`response_format: {type: 'json_object'}`, `n: 2`, `tools`, …).
 *
 * @example
 * const { model, body, preferences } = validateRequest('chat', request.body)
 */
export function validateRequest(kind: Kind, value: unknown): ValidRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid('The request body must be a JSON object.')
  const { provider, ...body } = value as Record<string, unknown>
  const checked = checkRequestBody(kind, body)
  if (!checked.ok) {
    const { message, param, code } = checked.refusal
    throw invalid(message, param, code)
  }
  try {
    // The receipt's request hash covers the body: one a provider cannot hash (a number JSON parsed to
    // Infinity, like 1e400) is refused here, not by every provider in turn.
    canonicalJson(body)
  } catch (error) {
    throw invalid(`The request body cannot be hashed for a receipt: ${(error as Error).message}`)
  }
  const stream = kind !== 'embeddings' && body.stream === true
  return {
    model: body.model as string,
    body,
    preferences: parsePreferences(provider),
    stream,
    wantsBase64: kind === 'embeddings' && body.encoding_format === 'base64',
  }
}
