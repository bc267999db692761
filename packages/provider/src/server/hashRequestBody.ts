import { hashRequest, type RequestKind } from '@infermesh/protocol'
import type { Hex } from 'viem'
import { ProviderError } from '../errors.js'

/**
 * The receipt's `requestHash` (v2) of a request body served as `kind` (the route's endpoint),
 * computed before the request is admitted (voucher check, slot) or generated for: a body that cannot
 * be hashed (a number too large for JSON, such as `1e400`, parses to Infinity) is a 400 here, never an
 * error after the tokens were made, so every answer is billed.
 *
 * @example
 * const requestHash = hashRequestBody('chat', request.body)
 */
export function hashRequestBody(kind: RequestKind, body: unknown): Hex {
  try {
    return hashRequest(kind, body)
  } catch (cause) {
    const reason = (cause as Error).message.replace(/^canonicalJson: /, '')
    throw new ProviderError(
      `The request body cannot be hashed for its receipt: ${reason} Send only finite numbers, strings, booleans, null, arrays and objects.`,
      { status: 400, code: 'invalid_request', cause },
    )
  }
}
