import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem'
import { paymentsDomain, receiptTypes } from './eip712.js'
import { BaseError } from './errors.js'
import type { Receipt } from './receipt.js'

export type SignReceiptParameters = {
  /** The provider's account: its address must be `receipt.provider`. */
  account: LocalAccount
  chainId: number
  /** The Payments contract whose domain the receipt is signed in (the same domain as vouchers). */
  payments: Address
  receipt: Receipt
}

/**
 * Signs a receipt as EIP-712 typed data for one Payments deployment. Throws when the account is not the
 * receipt's provider, since nobody could verify such a receipt.
 *
 * @example
 * const signature = await signReceipt({ account: providerAccount, chainId, payments, receipt })
 */
export async function signReceipt({
  account,
  chainId,
  payments,
  receipt,
}: SignReceiptParameters): Promise<Hex> {
  if (!isAddressEqual(account.address, receipt.provider)) {
    throw new BaseError(
      `Cannot sign a receipt for provider ${receipt.provider} with the key of ${account.address}.`,
    )
  }
  return account.signTypedData({
    domain: paymentsDomain(chainId, payments),
    types: receiptTypes,
    primaryType: 'Receipt',
    message: receipt,
  })
}
