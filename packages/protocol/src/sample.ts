import { type Address, type Hex, hashTypedData, type LocalAccount } from 'viem'
import { paymentsDigest } from './paymentsDigest.js'
import type { Receipt } from './receipt.js'
import { recoverDigestSigner } from './recoverDigestSigner.js'
import type { RequestKind } from './requestKind.js'

/**
 * A gateway hands a validator one completed request for re-execution (Proof of Sampling). The gateway
 * signs `Sample(bytes32 receiptDigest,uint64 issuedAt)` in the validation domain with its payer key, so a
 * validator takes samples only from the payer the receipt bills (somebody who really paid for the work),
 * and refuses stale or replayed ones.
 */
export const sampleTypes = {
  Sample: [
    { name: 'receiptDigest', type: 'bytes32' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const

/** The validation domain: bound to the chain and the Disputes contract of one deployment. */
export function validationDomain(chainId: number, disputes: Address) {
  return { name: 'InferMesh Validation', version: '1', chainId, verifyingContract: disputes } as const
}

/** The EIP-712 digest of a receipt (what the provider signed; what Disputes keys a dispute by). */
export function hashReceipt(chainId: number, payments: Address, receipt: Receipt): Hex {
  return paymentsDigest(chainId, payments, 'Receipt', receipt)
}

/** What travels from a gateway to a validator: `POST /infermesh/v1/samples` with this JSON body. */
export type SampleBody = {
  /** The provider's signed receipt, encoded as in the `x-infermesh-receipt` header. */
  receipt: string
  /**
   * The endpoint the request was served on; with `request` it hashes to the receipt's `requestHash`
   * (`hashRequest(kind, request)`), and the validator re-executes it as this kind only.
   */
  kind: RequestKind
  /** The request body exactly as sent to the provider. */
  request: Record<string, unknown>
  /** The generated content (its UTF-8 bytes hash to `responseHash`). */
  response: string
  /** Unix seconds when the gateway signed the sample. */
  issuedAt: number
  /** The payer's signature of `Sample(receiptDigest, issuedAt)`. */
  signature: Hex
}

export type SignSampleParameters = {
  account: LocalAccount
  chainId: number
  disputes: Address
  receiptDigest: Hex
  issuedAt: number
}

/** Signs a sample with the gateway's payer key. */
export function signSample(params: SignSampleParameters): Promise<Hex> {
  return params.account.signTypedData({
    domain: validationDomain(params.chainId, params.disputes),
    types: sampleTypes,
    primaryType: 'Sample',
    message: { receiptDigest: params.receiptDigest, issuedAt: BigInt(params.issuedAt) },
  })
}

/** Who signed a sample; undefined for a malformed signature. */
export function recoverSampleSigner(params: {
  chainId: number
  disputes: Address
  receiptDigest: Hex
  issuedAt: number
  signature: Hex
}): Address | undefined {
  const digest = hashTypedData({
    domain: validationDomain(params.chainId, params.disputes),
    types: sampleTypes,
    primaryType: 'Sample',
    message: { receiptDigest: params.receiptDigest, issuedAt: BigInt(params.issuedAt) },
  })
  return recoverDigestSigner(digest, params.signature)
}
