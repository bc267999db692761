import { voucherHeader } from '@infermesh/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Address } from 'viem'
import { ProviderError } from '../errors.js'
import type { ProviderServerOptions, ServedModel } from './ProviderServerOptions.js'

/** What an inference route runs with once its request is admitted and has a slot. */
export type Admitted = {
  /** Who pays (from the voucher). */
  payer: Address
  /**
   * Aborts when the client goes away or the request passes `requestTimeoutMs`; hand it to the
   * backend. Its `reason` is the ProviderError to answer with (499 `client_closed_request` or 504
   * `request_timeout`).
   */
  signal: AbortSignal
  /** Whether `signal` fired because the request ran out of time (not because the client left). */
  timedOut: () => boolean
  /** Frees the backend slot once the backend is done, before billing (later calls do nothing). */
  workDone: () => void
  /** Frees the payer's credit reservation (later calls do nothing); call it once the work is billed. */
  release: () => void
}

export type AdmissionParams = {
  model: ServedModel
  /** Worst-case cost of the request, reserved against the payer's credit until `release`. */
  maxCost: bigint
}

/**
 * The one way an inference request reaches the backend: admit (the voucher and the payer's credit,
 * PROTOCOL §8.2) → acquire (a slot of the bounded queue) → run → release, all in `finally`. The abort
 * signal is armed before anything else, so a client that leaves while its voucher is checked or
 * while it is queued is never generated for (it leaves the queue at once), and the request's
 * deadline (`requestTimeoutMs`, counted from its arrival) covers queueing and generation alike.
 *
 * @example
 * return withAdmission(options, request, reply, { model, maxCost }, async (admitted) => {
 *   const result = await backend.embed(model.name, inputs, admitted.signal)
 *   admitted.workDone()
 *   // … bill, then answer …
 * })
 */
export async function withAdmission<T>(
  options: Pick<ProviderServerOptions, 'gate' | 'limiter' | 'metrics' | 'requestTimeoutMs'>,
  request: FastifyRequest,
  reply: FastifyReply,
  params: AdmissionParams,
  run: (admitted: Admitted) => Promise<T>,
): Promise<T> {
  const { gate, limiter, metrics } = options
  const controller = new AbortController()
  const { signal } = controller
  const response = reply.raw
  const onClose = () => {
    if (!response.writableFinished)
      controller.abort(
        new ProviderError('The client closed the connection before the answer was complete.', {
          status: 499,
          code: 'client_closed_request',
          retryable: false,
        }),
      )
  }
  response.on('close', onClose)
  if (response.destroyed || request.raw.socket?.destroyed) onClose()
  const timeout = new ProviderError(
    `The request took longer than this provider's limit of ${options.requestTimeoutMs} ms and was stopped: lower max_tokens, send less input, or use another provider.`,
    { status: 504, code: 'request_timeout', retryable: true },
  )
  const deadline = setTimeout(
    () => controller.abort(timeout),
    Math.max(0, options.requestTimeoutMs - reply.elapsedTime),
  )

  let release: (() => void) | undefined
  let free: (() => void) | undefined
  let running = false
  const workDone = () => {
    free?.()
    if (running) metrics.inFlight.dec()
    running = false
  }
  try {
    const admission = await gate.admit(
      request.headers[voucherHeader] as string | undefined,
      params.model.modelId,
      params.maxCost,
    )
    release = admission.release
    signal.throwIfAborted()
    const acquiring = limiter.acquire(signal) // joins the queue at once when every slot is taken
    metrics.queueDepth.set(limiter.queued)
    try {
      free = await acquiring
    } finally {
      metrics.queueDepth.set(limiter.queued)
    }
    signal.throwIfAborted()
    running = true
    metrics.inFlight.inc()
    try {
      return await run({
        payer: admission.payer,
        signal,
        timedOut: () => signal.reason === timeout,
        workDone,
        release: admission.release,
      })
    } catch (error) {
      // A backend stopped by the signal throws its own error; the client hears why it was stopped.
      throw signal.aborted ? signal.reason : error
    }
  } finally {
    workDone()
    release?.()
    clearTimeout(deadline)
    response.off('close', onClose)
  }
}
