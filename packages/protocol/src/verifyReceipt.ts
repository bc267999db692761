import { type Address, type Hex, isAddressEqual, recoverTypedDataAddress } from 'viem'
import { paymentsDomain, receiptTypes } from './eip712.js'
import type { Receipt } from './receipt.js'

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
  try {
    const signer = await recoverTypedDataAddress({
      domain: paymentsDomain(chainId, payments),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
      signature,
    })
    return isAddressEqual(signer, receipt.provider)
  } catch {
    return false
  }
}
