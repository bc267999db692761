import { type SampleBody, voucherHeader } from '@infermesh/protocol'
import { z } from 'zod'
import { peerFetch } from '../http/peerFetch.js'
import { readBoundedJson } from '../http/readBoundedJson.js'
import { readValidatorRefusal, type ValidatorRefusal } from './readValidatorRefusal.js'
import type { ValidatorCallParameters, ValidatorClientConfig } from './ValidatorClientConfig.js'

/** The sample, signed by the payer the receipt bills, and where to send it. */
export type SubmitSampleParameters = ValidatorCallParameters & {
  sample: SampleBody
  /**
   * The sample's fee: the payer's encoded signed voucher (`encodeSignedVoucher`) on the channel (payer,
   * validator, `VERIFICATION_MODEL_ID`), sent in the voucher header as to a provider. Absent: unpaid.
   */
  voucher?: string
}

const queuedSchema = z.looseObject({ id: z.string().min(1).max(200) })

/**
 * Hands a validator a completed request to re-execute (`POST /infermesh/v1/samples`, Proof of
 * Sampling). Resolves `queued` (with the validator's sample id when its answer carries a valid one),
 * or the validator's refusal reduced to safe fields (429 when its queue is full: `retryable`, send it to
 * another validator; 402 `sample_fee_required` when the fee is missing, short or not covered). The fee's
 * voucher travels in the `x-infermesh-voucher` header. A validator that cannot be reached is a PeerError.
 *
 * @example
 * ```ts
 * const result = await submitSample(config, { endpoint, sample, voucher, deadlineMs: 10_000 })
 * if (result.kind === 'refusal' && result.retryable) tryAnotherValidator()
 * ```
 */
export async function submitSample(
  config: ValidatorClientConfig,
  parameters: SubmitSampleParameters,
): Promise<{ kind: 'queued'; id: string | undefined } | ValidatorRefusal> {
  const url = `${parameters.endpoint.replace(/\/+$/, '')}/infermesh/v1/samples`
  const response = await peerFetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(parameters.voucher !== undefined && { [voucherHeader]: parameters.voucher }),
    },
    body: JSON.stringify(parameters.sample),
    allowPrivate: config.allowPrivate ?? false,
    deadlineMs: parameters.deadlineMs,
    ...(parameters.signal && { signal: parameters.signal }),
  })
  if (response.status >= 400) return readValidatorRefusal(response)
  // Accepted is accepted: the id is for logs only, so an answer without a usable one is not an error.
  const answer = await readBoundedJson(response, { maxBytes: 64 * 1024, maxDepth: 8 }).catch(() => undefined)
  const checked = queuedSchema.safeParse(answer)
  return { kind: 'queued', id: checked.success ? checked.data.id : undefined }
}
