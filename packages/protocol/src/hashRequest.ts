import { type Hex, keccak256, stringToBytes } from 'viem'
import { canonicalJson } from './canonicalJson.js'
import { BaseError } from './errors.js'
import { type RequestKind, requestKinds } from './requestKind.js'

/**
 * The `requestHash` of a receipt (v2): keccak256 of the UTF-8 bytes of
 * `canonicalJson({ kind, body })`, where `kind` is the endpoint that served the request and `body` the
 * OpenAI request body as the gateway sent it. Key order and whitespace do not change it, so the gateway,
 * the provider and a validator all get the same hash from the same request; the kind makes a
 * completion's hash differ from a chat's with the same body, so neither can be judged as the other.
 *
 * Throws a `BaseError` for an unknown kind or a body that cannot be hashed (a number that is not
 * finite, a bigint, a cycle, or nesting deeper than the JavaScript stack allows).
 *
 * @example
 * const requestHash = hashRequest('chat', { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] })
 */
export function hashRequest(kind: RequestKind, body: unknown): Hex {
  if (!(requestKinds as readonly string[]).includes(kind)) {
    throw new BaseError(
      `hashRequest: the kind ${JSON.stringify(kind)} is not one of ${requestKinds.join(', ')}.`,
    )
  }
  let json: string
  try {
    json = canonicalJson(body)
  } catch (error) {
    if (error instanceof RangeError) {
      throw new BaseError('canonicalJson: the value is nested too deeply to hash.', { cause: error })
    }
    throw error
  }
  // canonicalJson({ kind, body }) written out ("body" sorts before "kind"), so that an error names
  // its place in the body (`$.messages[0]`) rather than in the wrapper.
  return keccak256(stringToBytes(`{"body":${json},"kind":${JSON.stringify(kind)}}`))
}
