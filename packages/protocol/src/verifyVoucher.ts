import { type Address, type Hex, isAddressEqual, recoverTypedDataAddress } from 'viem'
import { paymentsDomain, voucherTypes } from './eip712.js'
import type { Voucher } from './voucher.js'

export type VerifyVoucherParameters = {
  chainId: number
  payments: Address
  voucher: Voucher
  signature: Hex
}

/**
 * True when `signature` is the payer's EOA signature of `voucher` for this chain and contract.
 * (Contract-wallet payers sign with EIP-1271; check those on-chain with `isValidSignature`.)
 */
export async function verifyVoucher({ chainId, payments, voucher, signature }: VerifyVoucherParameters) {
  try {
    const signer = await recoverTypedDataAddress({
      domain: paymentsDomain(chainId, payments),
      types: voucherTypes,
      primaryType: 'Voucher',
      message: voucher,
      signature,
    })
    return isAddressEqual(signer, voucher.payer)
  } catch {
    return false
  }
}
