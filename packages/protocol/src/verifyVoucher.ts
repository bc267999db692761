import { type Address, type Hex, hashTypedData, isAddressEqual } from 'viem'
import { paymentsDomain, voucherTypes } from './eip712.js'
import { recoverDigestSigner } from './recoverDigestSigner.js'
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
  let digest: Hex
  try {
    digest = hashTypedData({
      domain: paymentsDomain(chainId, payments),
      types: voucherTypes,
      primaryType: 'Voucher',
      message: voucher,
    })
  } catch {
    return false
  }
  const signer = recoverDigestSigner(digest, signature)
  return signer !== undefined && isAddressEqual(signer, voucher.payer)
}
