import type { Address, Hex } from 'viem'
import { isValidSignatureNow, type SignatureRuleClient } from './isValidSignatureNow.js'
import { paymentsDigest } from './paymentsDigest.js'
import type { Receipt } from './receipt.js'

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
    digest = paymentsDigest(chainId, payments, 'Receipt', receipt)
  } catch {
    return false
  }
  return isValidSignatureNow({ signer: receipt.provider, digest, signature, client })
}
