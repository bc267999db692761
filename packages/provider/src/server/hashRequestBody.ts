import { hashRequest } from '@infermesh/protocol'
import type { Hex } from 'viem'
import { ProviderError } from '../errors.js'

/**
 * The receipt's `requestHash` of a request body, computed before the request is admitted or
 * generated for: a body that cannot be hashed (a number too large for JSON, such as `1e400`, parses
 * to Infinity) is a 400 here, never an error after the tokens were made, so every answer is billed.
 *
 * @example
 * const requestHash = hashRequestBody(request.body)
 */
export function hashRequestBody(body: unknown): Hex {
  try {
    return hashRequest(body)
  } catch (cause) {
    const reason = (cause as Error).message.replace(/^canonicalJson: /, '')
    throw new ProviderError(
      `The request body cannot be hashed for its receipt: ${reason} Send only finite numbers, strings, booleans, null, arrays and objects.`,
      { status: 400, code: 'invalid_request', cause },
    )
  }
}
