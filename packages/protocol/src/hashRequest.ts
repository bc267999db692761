import { type Hex, keccak256, stringToBytes } from 'viem'
import { canonicalJson } from './canonicalJson.js'

/**
 * The `requestHash` of a receipt: keccak256 of the UTF-8 bytes of `canonicalJson(body)`, where `body` is
 * the OpenAI request body as the provider parsed it. Key order and whitespace do not change it, so the
 * gateway, the provider and a validator all get the same hash from the same request.
 *
 * @example
 * const requestHash = hashRequest({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] })
 */
export function hashRequest(body: unknown): Hex {
  return keccak256(stringToBytes(canonicalJson(body)))
}
