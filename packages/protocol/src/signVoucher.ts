import type { Address, LocalAccount } from 'viem'
import { paymentsDomain, voucherTypes } from './eip712.js'
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
 * Signs a voucher as EIP-712 typed data for one Payments deployment.
 *
 * @example
 * const signature = await signVoucher({ account, chainId, payments, voucher })
 */
export async function signVoucher({ account, chainId, payments, voucher }: SignVoucherParameters) {
  return account.signTypedData({
    domain: paymentsDomain(chainId, payments),
    types: voucherTypes,
    primaryType: 'Voucher',
    message: voucher,
  })
}
