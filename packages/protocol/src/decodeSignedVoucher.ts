import type { SignedVoucher } from './encodeSignedVoucher.js'
import { voucherHeader } from './headers.js'
import { decodeWire, signedVoucherSchema } from './wire.js'

/**
 * Decodes and validates an `x-infermesh-voucher` header written by `encodeSignedVoucher`. Addresses come
 * back checksummed, hex lowercase, amounts as bigints. It does not check the signature: call
 * `verifyVoucher` next. Throws a `BaseError` whose message names the bad field, e.g.
 * `Invalid x-infermesh-voucher header: voucher.cumulativeAmount must be a decimal string of a whole
 * number, without leading zeros.`
 *
 * @example
 * const { voucher, signature } = decodeSignedVoucher(request.headers[voucherHeader])
 */
export function decodeSignedVoucher(header: string): SignedVoucher {
  return decodeWire(signedVoucherSchema, header, voucherHeader)
}
