import type { Address, Hex } from 'viem'
import { isValidSignatureNow, type SignatureRuleClient } from './isValidSignatureNow.js'
import { paymentsDigest } from './paymentsDigest.js'
import type { Voucher } from './voucher.js'

export type VerifyVoucherParameters = {
  chainId: number
  payments: Address
  voucher: Voucher
  signature: Hex
  /**
   * Reads code and makes the EIP-1271 `eth_call` when ECDSA fails (contract or EIP-7702-delegated
   * payers); without it, only ECDSA signatures pass.
   */
  client?: SignatureRuleClient | undefined
}

/**
 * True when `signature` is the payer's signature of `voucher` for this chain and contract under the rule
 * `Payments.redeem` applies (`isValidSignatureNow`): ECDSA v 27/28 low s first, EIP-1271 through `client`
 * only when that fails.
 */
export async function verifyVoucher({
  chainId,
  payments,
  voucher,
  signature,
  client,
}: VerifyVoucherParameters): Promise<boolean> {
  let digest: Hex
  try {
    digest = paymentsDigest(chainId, payments, 'Voucher', voucher)
  } catch {
    return false
  }
  return isValidSignatureNow({ signer: voucher.payer, digest, signature, client })
}
