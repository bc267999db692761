import { type Hex, keccak256, stringToBytes } from 'viem'

/**
 * The `responseHash` of a receipt: keccak256 of the UTF-8 bytes of the response content. For chat and
 * completions that is the generated text (all choices' text, as streamed or returned); for embeddings
 * the provider passes `canonicalJson(vectors)`, the array of embedding arrays in input order.
 *
 * @example
 * const responseHash = hashResponse(completion.choices[0].message.content)
 */
export function hashResponse(text: string): Hex {
  return keccak256(stringToBytes(text))
}
