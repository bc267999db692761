import type { Address, Hex, LocalAccount } from 'viem'
import { paymentsDomain, voucherTypes } from './eip712.js'
import { paymentsDigest } from './paymentsDigest.js'
import type { Voucher } from './voucher.js'

export type SignVoucherParameters = {
  /** The payer's account: its address must be `voucher.payer`. */
  account: LocalAccount
  chainId: number
  /** The Payments contract the voucher is redeemable at. */
  payments: Address
  voucher: Voucher
}

/**
 * Signs a voucher as EIP-712 typed data for one Payments deployment. An account that signs digests
 * (`account.sign`, as viem's private-key and mnemonic accounts do) signs the EIP-712 digest, computed
 * with the deployment's domain separator and the voucher type hash cached: the same signature as
 * `signTypedData`, without re-encoding the domain and types each time. Other accounts sign the typed
 * data.
 *
 * @example
 * const signature = await signVoucher({ account, chainId, payments, voucher })
 */
export async function signVoucher({
  account,
  chainId,
  payments,
  voucher,
}: SignVoucherParameters): Promise<Hex> {
  if (!account.sign)
    return account.signTypedData({
      domain: paymentsDomain(chainId, payments),
      types: voucherTypes,
      primaryType: 'Voucher',
      message: voucher,
    })
  return account.sign({ hash: paymentsDigest(chainId, payments, 'Voucher', voucher) })
}
