import type { Address, Hex } from 'viem'
import { paymentsDomain, receiptTypes, voucherTypes } from './eip712.js'
import type { Receipt } from './receipt.js'
import { typedDataHasher } from './typedDataHasher.js'
import type { Voucher } from './voucher.js'

/** Digest functions per type and deployment (chain id, Payments address): domain and type hashed once. */
const hashers = new Map<string, (message: Record<string, unknown>) => Hex>()

/**
 * The EIP-712 digest of a voucher or a receipt in one Payments deployment's domain: what the payer or
 * provider signs and what `Payments` and `Disputes` check (`hashVoucher`, `hashReceipt`). The same digest
 * as viem's `hashTypedData`, with the domain separator and type hash computed once per deployment, since
 * every paid request hashes one of each on both sides. Throws on a malformed field.
 *
 * @example
 * const digest = paymentsDigest(chainId, payments, 'Receipt', receipt)
 */
export function paymentsDigest(
  chainId: number,
  payments: Address,
  primaryType: 'Voucher',
  message: Voucher,
): Hex
export function paymentsDigest(
  chainId: number,
  payments: Address,
  primaryType: 'Receipt',
  message: Receipt,
): Hex
export function paymentsDigest(
  chainId: number,
  payments: Address,
  primaryType: 'Voucher' | 'Receipt',
  message: Voucher | Receipt,
): Hex {
  const key = `${primaryType}:${chainId}:${payments.toLowerCase()}`
  let digestOf = hashers.get(key)
  if (!digestOf) {
    const domain = paymentsDomain(chainId, payments)
    digestOf =
      primaryType === 'Voucher'
        ? typedDataHasher({ domain, types: voucherTypes, primaryType })
        : typedDataHasher({ domain, types: receiptTypes, primaryType })
    hashers.set(key, digestOf)
  }
  return digestOf(message)
}
