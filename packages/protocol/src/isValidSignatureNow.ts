import {
  type Address,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  isAddressEqual,
  type PublicClient,
  parseAbi,
} from 'viem'
import { recoverDigestSigner } from './recoverDigestSigner.js'

/** Gas the contracts give an EIP-1271 `isValidSignature` call (SignatureRule.ERC1271_GAS). */
export const erc1271Gas = 50_000n

const erc1271Abi = parseAbi([
  'function isValidSignature(bytes32 digest, bytes signature) view returns (bytes4)',
])
/** `isValidSignature`'s magic value as the contract compares it: one 32-byte word, selector then zeros. */
const magicWord = `0x1626ba7e${'0'.repeat(56)}`

/** What the EIP-1271 fallback needs: a client that can read code and make an `eth_call`. */
export type SignatureRuleClient = Pick<PublicClient, 'getCode' | 'call'>

/**
 * The contracts' signature rule (`SignatureRule.isValid`), off chain: a 65-byte ECDSA signature with
 * v ∈ {27, 28} and low s that recovers `signer` is valid; only when that fails, and only when `signer` has
 * code (a contract wallet, or an EOA delegated with EIP-7702), `isValidSignature(digest, signature)` is
 * asked with 50,000 gas for the callee, and only an answer whose first 32-byte word is exactly the magic
 * value counts. Without a `client`, the EIP-1271 step is skipped (refused): never more permissive than the
 * contract.
 */
export async function isValidSignatureNow(params: {
  signer: Address
  digest: Hex
  signature: Hex
  client?: SignatureRuleClient | undefined
}): Promise<boolean> {
  const { signer, digest, signature, client } = params
  let length: number
  try {
    length = hexToBytes(signature).length
  } catch {
    return false
  }
  if (length === 65) {
    const recovered = recoverDigestSigner(digest, signature)
    if (recovered !== undefined && isAddressEqual(recovered, signer)) return true
  }
  if (!client) return false
  try {
    const code = await client.getCode({ address: signer })
    if (!code || code === '0x') return false
    const data = encodeFunctionData({
      abi: erc1271Abi,
      functionName: 'isValidSignature',
      args: [digest, signature],
    })
    // The callee of a top-level call gets the gas minus the intrinsic cost: give it exactly erc1271Gas.
    const intrinsic = hexToBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 21_000n)
    const { data: answer } = await client.call({ to: signer, data, gas: intrinsic + erc1271Gas })
    return answer !== undefined && answer.length >= 66 && answer.slice(0, 66).toLowerCase() === magicWord
  } catch {
    return false
  }
}
