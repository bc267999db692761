import { hashReceipt, type Receipt, type SampleBody, signSample } from '@infermesh/protocol'
import type { Address, LocalAccount } from 'viem'
import type { NetworkValidator } from '../discovery/createDiscovery.js'

export type SamplerOptions = {
  /** The gateway's payer key: validators take samples only from the payer a receipt bills. */
  account: LocalAccount
  chainId: number
  payments: Address
  disputes: Address
  /** Chance that a completed request is sent for re-execution, 0..1. */
  probability: number
  /** The validators to choose from (the Registry's active validators). */
  validators: () => NetworkValidator[]
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Uniform random numbers in [0, 1); `Math.random` unless a test fixes them. */
  random?: () => number
  /** Time limit for handing a sample to a validator. */
  timeoutMs?: number
}

/** A completed request as the gateway saw it: what a validator needs to re-execute it. */
export type CompletedRequest = {
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
 * from the rest. A sampled request goes, signed by the payer, to one validator chosen uniformly at
 * random among the active ones, in the background: sampling never delays or fails a customer's request.
 */
export function createSampler(options: SamplerOptions) {
  const random = options.random ?? Math.random
  const inFlight = new Set<Promise<void>>()
  let sampled = 0
  let delivered = 0

  async function send(request: CompletedRequest, validator: NetworkValidator) {
    const issuedAt = Math.floor(Date.now() / 1000)
    const receiptDigest = hashReceipt(options.chainId, options.payments, request.receipt)
    const body: SampleBody = {
      receipt: request.signedReceipt,
      request: request.requestBody,
      response: request.responseText,
      issuedAt,
      signature: await signSample({
        account: options.account,
        chainId: options.chainId,
        disputes: options.disputes,
        receiptDigest,
        issuedAt,
      }),
    }
    try {
      const response = await fetch(`${validator.endpoint}/infermesh/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      })
      if (!response.ok) throw new Error(`status ${response.status}: ${await response.text().catch(() => '')}`)
      delivered++
    } catch (error) {
      options.log.warn({
        msg: 'could not hand a sample to a validator',
        validator: validator.address,
        provider: request.provider,
        err: (error as Error).message,
      })
    }
  }

  return {
    /** Draws whether to sample this request and, if so, sends it in the background. True when sampled. */
    consider(request: CompletedRequest): boolean {
      if (options.probability <= 0 || random() >= options.probability) return false
      const validators = options.validators()
      if (validators.length === 0) return false
      const validator = validators[Math.floor(random() * validators.length)] as NetworkValidator
      sampled++
      const task = send(request, validator).finally(() => inFlight.delete(task))
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
