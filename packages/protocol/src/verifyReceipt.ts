import { type Address, type Hex, hashTypedData, isAddressEqual } from 'viem'
import { paymentsDomain, receiptTypes } from './eip712.js'
import type { Receipt } from './receipt.js'
import { recoverDigestSigner } from './recoverDigestSigner.js'

export type VerifyReceiptParameters = {
  chainId: number
  /** The Payments contract whose domain the receipt was signed in. */
  payments: Address
  receipt: Receipt
  signature: Hex
}

/**
 * True when `signature` is the provider's EOA signature of `receipt` for this chain and contract; false
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
}: VerifyReceiptParameters): Promise<boolean> {
  let digest: Hex
  try {
    digest = hashTypedData({
      domain: paymentsDomain(chainId, payments),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
    })
  } catch {
    return false
  }
  const signer = recoverDigestSigner(digest, signature)
  return signer !== undefined && isAddressEqual(signer, receipt.provider)
}
