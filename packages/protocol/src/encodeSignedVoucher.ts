import type { Hex } from 'viem'
import { voucherHeader } from './headers.js'
import type { Voucher } from './voucher.js'
import { encodeWire, signedVoucherSchema } from './wire.js'

/** A voucher with the payer's EIP-712 signature (`signVoucher`). */
export type SignedVoucher = { voucher: Voucher; signature: Hex }

/**
 * Encodes a signed voucher for the `x-infermesh-voucher` request header: base64url (no padding) of the
 * canonical JSON `{"signature":"0x…","voucher":{"cumulativeAmount":"<decimal>","modelId":"0x…",
 * "payer":"0x<checksummed>","provider":"0x<checksummed>"}}`. Throws a `BaseError` naming the field when
 * a value could not be decoded again (a 31-byte model id, a negative amount, …).
 *
 * @example
 * const signature = await signVoucher({ account, chainId, payments, voucher })
 * headers[voucherHeader] = encodeSignedVoucher({ voucher, signature })
 */
export function encodeSignedVoucher(signed: SignedVoucher): string {
  return encodeWire(signedVoucherSchema, signed, voucherHeader)
}
