import { type Hex, keccak256 } from 'viem'
import { BaseError } from './errors.js'

/** `hashTokenIds([])`: keccak256 of no bytes, the `tokensHash` of an answer with no generated tokens. */
export const emptyTokensHash: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

/**
 * A receipt's `tokensHash` (v2): keccak256 of the generated token ids in order, each written as a
 * big-endian uint32 of 4 bytes, concatenated (Solidity's `abi.encodePacked(uint32 a, uint32 b, …)`; not
 * `abi.encodePacked(uint32[])`, which pads each element to 32 bytes). No tokens hash to
 * `emptyTokensHash`. A backend that cannot report token ids signs `bytes32(0)` instead (unknown); that
 * value is never the output of this function.
 *
 * Throws a `BaseError` when an id is not a whole number in 0…2^32 − 1.
 *
 * @example
 * const tokensHash = hashTokenIds(result.tokenIds) // e.g. [1, 2, 3]
 */
export function hashTokenIds(ids: readonly number[]): Hex {
  const bytes = new Uint8Array(ids.length * 4)
  const view = new DataView(bytes.buffer)
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new BaseError(
        `hashTokenIds: token id ${String(id)} at index ${index} is not a whole number from 0 to 4294967295.`,
      )
    }
    view.setUint32(index * 4, id, false)
  }
  return keccak256(bytes)
}
