import type { Hex } from 'viem'
import { receiptHeader } from './headers.js'
import type { Receipt } from './receipt.js'
import { encodeWire, signedReceiptSchema } from './wire.js'

/** A receipt with the provider's EIP-712 signature (`signReceipt`). */
export type SignedReceipt = { receipt: Receipt; signature: Hex }

/**
 * Encodes a signed receipt for the `x-infermesh-receipt` response header and the `infermesh.receipt`
 * stream event: base64url (no padding) of the canonical JSON `{"receipt":{…},"signature":"0x…"}` with
 * bigints as decimal strings, addresses checksummed and hex lowercase. Throws a `BaseError` naming the
 * field when a value could not be decoded again.
 *
 * @example
 * const signature = await signReceipt({ account, chainId, payments, receipt })
 * reply.header(receiptHeader, encodeSignedReceipt({ receipt, signature }))
 */
export function encodeSignedReceipt(signed: SignedReceipt): string {
  return encodeWire(signedReceiptSchema, signed, receiptHeader)
}
