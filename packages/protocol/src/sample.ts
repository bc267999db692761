import { type Address, type Hex, hashTypedData, type LocalAccount } from 'viem'
import { paymentsDigest } from './paymentsDigest.js'
import type { Receipt } from './receipt.js'
import { recoverDigestSigner } from './recoverDigestSigner.js'
import type { RequestKind } from './requestKind.js'

/**
 * A gateway hands a validator one completed request for re-execution (Proof of Sampling). The gateway
 * signs `Sample(bytes32 receiptDigest,address validator,uint64 issuedAt)` in the validation domain
 * (version "2") with its payer key, one signature per validator it sends the sample to. So a validator
 * takes samples only from the payer the receipt bills (somebody who really paid for the work), refuses
 * stale or replayed ones and samples addressed to another validator; and the signature is the on-chain
 * assignment that makes that validator the dispute's challenger (`Disputes.openDispute` checks it), so
 * copying a pending dispute earns nothing.
 */
export const sampleTypes = {
  Sample: [
    { name: 'receiptDigest', type: 'bytes32' },
    { name: 'validator', type: 'address' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const

/** The validation domain (version "2"): bound to the chain and the Disputes contract of one deployment. */
export function validationDomain(chainId: number, disputes: Address) {
  return { name: 'InferMesh Validation', version: '2', chainId, verifyingContract: disputes } as const
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
  /** The validator this sample is for: a validator refuses a sample naming another one. */
  validator: Address
  /** Unix seconds when the gateway signed the sample. */
  issuedAt: number
  /** The payer's signature of `Sample(receiptDigest, validator, issuedAt)`. */
  signature: Hex
}

/** What a sample signature covers. */
export type SampleMessage = {
  chainId: number
  disputes: Address
  receiptDigest: Hex
  /** The validator the sample is addressed to (the challenger it assigns). */
  validator: Address
  /** Unix seconds. */
  issuedAt: number
}

export type SignSampleParameters = SampleMessage & { account: LocalAccount }

/**
 * Signs a sample for one validator with the payer's key.
 *
 * @example
 * const signature = await signSample({ account, chainId, disputes, receiptDigest, validator, issuedAt })
 */
export function signSample(params: SignSampleParameters): Promise<Hex> {
  return params.account.signTypedData({
    domain: validationDomain(params.chainId, params.disputes),
    types: sampleTypes,
    primaryType: 'Sample',
    message: message(params),
  })
}

/** Who signed a sample for `validator`; undefined for a malformed signature. */
export function recoverSampleSigner(params: SampleMessage & { signature: Hex }): Address | undefined {
  const digest = hashTypedData({
    domain: validationDomain(params.chainId, params.disputes),
    types: sampleTypes,
    primaryType: 'Sample',
    message: message(params),
  })
  return recoverDigestSigner(digest, params.signature)
}

function message(params: SampleMessage) {
  return {
    receiptDigest: params.receiptDigest,
    validator: params.validator,
    issuedAt: BigInt(params.issuedAt),
  }
}
