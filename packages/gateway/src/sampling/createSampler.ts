import { type NetworkValidator, PeerError, submitSample } from '@infermesh/client'
import { hashReceipt, type Receipt, type RequestKind, type SampleBody, signSample } from '@infermesh/protocol'
import type { Address, LocalAccount } from 'viem'
import type { SampleDelivery, SampleFees } from './createSampleFees.js'
import { pickValidator } from './pickValidator.js'

export type SamplerOptions = {
  /** The gateway's payer key: validators take samples only from the payer a receipt bills. */
  account: LocalAccount
  chainId: number
  payments: Address
  disputes: Address
  /** Chance that a completed request is sent for re-execution, 0..1. */
  probability: number
  /** The validators to choose from (the Registry's active validators); only those that declared a receipt's model get its sample. */
  validators: () => NetworkValidator[]
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Allow loopback and private validator endpoints (the devnet only). Default false. */
  allowPrivate?: boolean
  /** Uniform random numbers in [0, 1); `Math.random` unless a test fixes them. */
  random?: () => number
  /** Time limit for handing a sample to one validator. */
  timeoutMs?: number
  /** Validators tried per sample when one is busy (429) or cannot be reached. Default 3. */
  maxAttempts?: number
  /** Pays each sample's validator (createSampleFees); absent: samples are unpaid. */
  fees?: SampleFees
  /** A validator's weight in the draw is min(stake, stakeCap); absent: its whole stake. */
  stakeCap?: bigint
}

/** A completed request as the gateway saw it: what a validator needs to re-execute it. */
export type CompletedRequest = {
  /** The endpoint that served it: the validator re-executes it as this kind only. */
  kind: RequestKind
  provider: Address
  receipt: Receipt
  /** The receipt as the provider encoded it (header value / SSE event). */
  signedReceipt: string
  requestBody: Record<string, unknown>
  responseText: string
}

/**
 * Proof of Sampling, the gateway's half (DESIGN rule 4): after a receipt is verified, the request is
 * sampled with probability `probability`, drawn only then, so a provider cannot tell audited work
 * from the rest. A sampled request goes, signed by the payer for that validator (the signature names it:
 * the on-chain assignment that makes it the challenger of a dispute), to one validator drawn with
 * probability ∝ min(stake, stakeCap) among the active ones that declared the receipt's model in the
 * Registry (`pickValidator`: splitting stake into sybils draws no more samples), through the
 * validatorClient's `submitSample`, with the sample's fee when `fees` is set (a voucher to that
 * validator, see createSampleFees; unpaid when the payer's deposit cannot be allocated to it). When that
 * validator is busy (429, its queue is full), fails (5xx), cannot be reached or refuses the fee (402
 * `sample_fee_required`), another such one is drawn, up to `maxAttempts`. All of it in the background: sampling never
 * delays or fails a customer's request.
 */
export function createSampler(options: SamplerOptions) {
  const random = options.random ?? Math.random
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3)
  const inFlight = new Set<Promise<void>>()
  let sampled = 0
  let delivered = 0
  /** The validators that declared this model in the Registry: the others would refuse its sample. */
  const holders = (modelId: string) => {
    const id = modelId.toLowerCase()
    return options.validators().filter((v) => v.models.some((m) => m.toLowerCase() === id))
  }

  /** Another holder of the receipt's model not tried yet, drawn by capped stake. */
  const nextValidator = (request: CompletedRequest, tried: Set<string>) =>
    pickValidator(
      holders(request.receipt.modelId).filter((v) => !tried.has(v.address.toLowerCase())),
      options.stakeCap,
      random,
    )

  async function send(request: CompletedRequest, first: NetworkValidator) {
    const receiptDigest = hashReceipt(options.chainId, options.payments, request.receipt)
    const tried = new Set<string>()
    let validator: NetworkValidator | undefined = first
    const reasons: string[] = []
    while (validator && tried.size < maxAttempts) {
      tried.add(validator.address.toLowerCase())
      // One signature per validator: it names the validator, which alone may then dispute as the
      // sample's assigned challenger (Disputes checks the signature).
      const issuedAt = Math.floor(Date.now() / 1000)
      const sample: SampleBody = {
        receipt: request.signedReceipt,
        kind: request.kind,
        request: request.requestBody,
        response: request.responseText,
        validator: validator.address,
        issuedAt,
        signature: await signSample({
          account: options.account,
          chainId: options.chainId,
          disputes: options.disputes,
          receiptDigest,
          validator: validator.address,
          issuedAt,
        }),
      }
      const to = validator
      const submit = async (voucher?: string) => {
        const result = await submitSample(
          { allowPrivate: options.allowPrivate ?? false },
          {
            endpoint: to.endpoint,
            sample,
            ...(voucher !== undefined && { voucher }),
            deadlineMs: options.timeoutMs ?? 10_000,
          },
        )
        // A 4xx means the validator stored nothing (not even the voucher); a 5xx may come after it did.
        const delivery: SampleDelivery =
          result.kind === 'queued' ? 'accepted' : result.status < 500 ? 'refused' : 'unknown'
        return { result, delivery, code: result.kind === 'refusal' ? result.code : undefined }
      }
      let retryable: boolean
      try {
        const paid = options.fees ? await options.fees.attempt(to.address, submit) : undefined
        if (paid?.kind === 'unpayable')
          options.log.warn({
            msg: 'the payer cannot allocate a sample fee to this validator: sending the sample unpaid',
            validator: to.address,
          })
        // Unpaid when the payer cannot pay: checks matter more than fees; a validator may still take it.
        const { result } = paid?.kind === 'sent' ? paid.result : await submit()
        if (result.kind === 'queued') {
          delivered++
          return
        }
        reasons.push(`${to.address} answered ${result.status}${result.code ? ` ${result.code}` : ''}`)
        // Another validator may take a fee this one found short (its minimum is its own).
        retryable = result.retryable || result.code === 'sample_fee_required'
      } catch (error) {
        reasons.push(`${to.address}: ${(error as Error).message}`)
        retryable = error instanceof PeerError ? error.retryable : false
      }
      if (!retryable) break
      validator = nextValidator(request, tried)
    }
    options.log.warn({
      msg: 'could not hand a sample to a validator',
      validator: first.address,
      provider: request.provider,
      err: reasons.join('; '),
    })
  }

  return {
    /** Draws whether to sample this request and, if so, sends it in the background. True when sampled. */
    consider(request: CompletedRequest): boolean {
      if (options.probability <= 0 || random() >= options.probability) return false
      const validator = pickValidator(holders(request.receipt.modelId), options.stakeCap, random)
      if (!validator) return false
      sampled++
      const task = send(request, validator)
        .catch((error: Error) =>
          options.log.warn({
            msg: 'could not sign a sample',
            provider: request.provider,
            err: error.message,
          }),
        )
        .finally(() => inFlight.delete(task))
      inFlight.add(task)
      return true
    },
    /** Samples drawn and samples a validator accepted. */
    counts: () => ({ sampled, delivered }),
    /** Waits for samples still being sent. */
    async drain() {
      await Promise.all([...inFlight])
    },
  }
}

export type Sampler = ReturnType<typeof createSampler>
