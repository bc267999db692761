import {
  decodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  type Receipt,
  type RequestKind,
  recoverSampleSigner,
  requestKinds,
  verifyReceipt,
} from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual } from 'viem'
import { z } from 'zod'
import { ValidatorError } from '../errors.js'

const sampleBodySchema = z.strictObject({
  receipt: z.string().min(1),
  request: z.record(z.string(), z.unknown()),
  kind: z.enum(requestKinds),
  response: z.string(),
  validator: z.string().regex(/^0x[0-9a-fA-F]{40}$/, { error: 'must be a 20-byte 0x address' }),
  issuedAt: z.number().int().nonnegative(),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, { error: 'must be a 65-byte 0x signature' }),
})

/** A sample whose every claim checked out: ready for re-execution. */
export type CheckedSample = {
  receipt: Receipt
  /** The provider's signature of the receipt. */
  receiptSignature: Hex
  receiptDigest: Hex
  /** The endpoint that served the request (bound into its requestHash): re-executed as this kind only. */
  kind: RequestKind
  request: Record<string, unknown>
  response: string
  /** The payer that sent it. */
  payer: Address
  /**
   * The payer's signature of `Sample(receiptDigest, this validator, issuedAt)`: the on-chain assignment
   * that makes this validator the challenger of a dispute about the receipt (`openDispute`'s last two
   * arguments), so nobody who copies the dispute takes its reward.
   */
  assignment: { issuedAt: number; signature: Hex }
}

export type ParseSampleOptions = {
  /** This validator: a sample addressed to another one is refused. */
  validator: Address
  chainId: number
  payments: Address
  disputes: Address
  maxAgeSeconds: number
  now?: number
}

const bad = (message: string, code: string, status = 400) =>
  new ValidatorError(message, { status, code, retryable: false })

/**
 * Checks a sample a gateway sent (`POST /infermesh/v1/samples`, body `SampleBody`): that it is addressed
 * to this validator (403 `sample_for_another_validator` otherwise), the provider's receipt signature,
 * that the kind and request (`hashRequest(kind, request)`) and the response hash to what the receipt
 * says, that the payer the receipt bills signed the sample for this validator and this deployment, and
 * that it is recent. Throws a `ValidatorError` with the status and code to answer with.
 */
export async function parseSample(body: unknown, options: ParseSampleOptions): Promise<CheckedSample> {
  const parsed = sampleBodySchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw bad(
      `Invalid sample: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}.`,
      'invalid_request',
    )
  }
  const sample = parsed.data
  if (!isAddressEqual(sample.validator as Address, options.validator)) {
    throw bad(
      `This sample is addressed to validator ${sample.validator}, not to this one (${options.validator}): sign a sample for each validator you send it to.`,
      'sample_for_another_validator',
      403,
    )
  }
  let signed: ReturnType<typeof decodeSignedReceipt>
  try {
    signed = decodeSignedReceipt(sample.receipt)
  } catch (error) {
    throw bad(`Invalid sample: the receipt cannot be decoded: ${(error as Error).message}`, 'invalid_receipt')
  }
  const { receipt, signature } = signed
  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (sample.issuedAt > now + 60 || now - sample.issuedAt > options.maxAgeSeconds) {
    throw bad(
      `The sample was issued at ${sample.issuedAt}, outside this validator's window of ${options.maxAgeSeconds} s (now ${now}).`,
      'sample_expired',
    )
  }
  const receiptDigest = hashReceipt(options.chainId, options.payments, receipt)
  const signer = recoverSampleSigner({
    chainId: options.chainId,
    disputes: options.disputes,
    receiptDigest,
    validator: options.validator,
    issuedAt: sample.issuedAt,
    signature: sample.signature as Hex,
  })
  if (!signer || !isAddressEqual(signer, receipt.payer)) {
    throw bad(
      `The sample is not signed by the payer the receipt bills (${receipt.payer}) for this validator and deployment.`,
      'invalid_sample_signature',
      401,
    )
  }
  if (!(await verifyReceipt({ chainId: options.chainId, payments: options.payments, receipt, signature }))) {
    throw bad(`The receipt is not signed by the provider it names (${receipt.provider}).`, 'invalid_receipt')
  }
  let requestHash: Hex
  try {
    requestHash = hashRequest(sample.kind, sample.request)
  } catch (error) {
    throw bad(`Invalid sample: the request cannot be hashed: ${(error as Error).message}`, 'invalid_request')
  }
  if (requestHash !== receipt.requestHash) {
    throw bad(
      `The ${sample.kind} request does not hash to the receipt’s requestHash (the request or its kind differs).`,
      'payload_mismatch',
    )
  }
  if (hashResponse(sample.response) !== receipt.responseHash) {
    throw bad('The response does not hash to the receipt’s responseHash.', 'payload_mismatch')
  }
  return {
    receipt,
    receiptSignature: signature,
    receiptDigest,
    kind: sample.kind,
    request: sample.request,
    response: sample.response,
    payer: signer,
    assignment: { issuedAt: sample.issuedAt, signature: sample.signature as Hex },
  }
}
