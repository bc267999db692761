import type { Address, Hex } from 'viem'
import { paymentsDomain, receiptTypes } from './eip712.js'
import { isValidSignatureNow, type SignatureRuleClient } from './isValidSignatureNow.js'
import type { Receipt } from './receipt.js'
import { typedDataHasher } from './typedDataHasher.js'

/** Receipt digest functions per deployment (chain id, Payments address): domain and type hashed once. */
const digests = new Map<string, (message: Record<string, unknown>) => Hex>()

export type VerifyReceiptParameters = {
  chainId: number
  /** The Payments contract whose domain the receipt was signed in. */
  payments: Address
  receipt: Receipt
  signature: Hex
  /**
   * Reads code and makes the EIP-1271 `eth_call` when ECDSA fails (contract or EIP-7702-delegated
   * providers); without it, only ECDSA signatures pass.
   */
  client?: SignatureRuleClient | undefined
}

/**
 * True when `signature` is the provider's signature of `receipt` under the contracts' rule (ECDSA v 27/28
 * low s, else EIP-1271 through `client`) for this chain and contract; false
 * for any other signer, any changed field, another chain or contract, or a malformed signature.
 *
 * @example
 * const { receipt, signature } = decodeSignedReceipt(response.headers.get(receiptHeader))
 * if (!(await verifyReceipt({ chainId, payments, receipt, signature }))) throw new Error('bad receipt')
 */
export async function verifyReceipt({
  chainId,
  payments,
  receipt,
  signature,
  client,
}: VerifyReceiptParameters): Promise<boolean> {
  let digest: Hex
  try {
    const key = `${chainId}:${payments.toLowerCase()}`
    let digestOf = digests.get(key)
    if (!digestOf) {
      digestOf = typedDataHasher({
        domain: paymentsDomain(chainId, payments),
        types: receiptTypes,
        primaryType: 'Receipt',
      })
      digests.set(key, digestOf)
    }
    digest = digestOf(receipt)
  } catch {
    return false
  }
  return isValidSignatureNow({ signer: receipt.provider, digest, signature, client })
}
