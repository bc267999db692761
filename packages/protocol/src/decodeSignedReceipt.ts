import type { SignedReceipt } from './encodeSignedReceipt.js'
import { receiptHeader } from './headers.js'
import { decodeWire, signedReceiptSchema } from './wire.js'

/**
 * Decodes and validates an `x-infermesh-receipt` header (or the data of an `infermesh.receipt` stream
 * event) written by `encodeSignedReceipt`. Addresses come back checksummed, hex lowercase, numbers as
 * bigints. It does not check the signature: call `verifyReceipt` next. Throws a `BaseError` whose message
 * names the bad field, e.g. `Invalid x-infermesh-receipt header: receipt.inputTokens must be at most
 * 2^64 - 1.`
 *
 * @example
 * const { receipt, signature } = decodeSignedReceipt(response.headers.get(receiptHeader) ?? '')
 */
export function decodeSignedReceipt(header: string): SignedReceipt {
  return decodeWire(signedReceiptSchema, header, receiptHeader)
}
