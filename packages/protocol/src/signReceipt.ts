import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem'
import { paymentsDomain, receiptTypes } from './eip712.js'
import { BaseError } from './errors.js'
import { paymentsDigest } from './paymentsDigest.js'
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
 * receipt's provider, since nobody could verify such a receipt. An account that signs digests
 * (`account.sign`, as viem's private-key accounts and `privateKeyToFastAccount` do) signs the EIP-712
 * digest, computed with the domain separator and the receipt type hash cached (as `signVoucher` does):
 * the same signature as `signTypedData`, and the provider signs one per request. Other accounts sign the
 * typed data.
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
  if (!account.sign)
    return account.signTypedData({
      domain: paymentsDomain(chainId, payments),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
    })
  return account.sign({ hash: paymentsDigest(chainId, payments, 'Receipt', receipt) })
}
