import { hashResponse } from '@infermesh/protocol'
import type { Attempt, ForwardContext, ForwardRequest } from './types.js'

/**
 * The last step: checks the provider's receipt against the request sent and the answer received (its
 * hashes, the request's token bounds and worst case, the answer's usage), bills it (the channel's
 * total, the API key's spending in place of its reservation, a usage record) and hands it on
 * (onReceipt). A bad
 * or missing receipt is logged, counted as the provider's failure and not paid. Returns whether the
 * receipt was accepted.
 *
 * The channel's total is in the payer's ledger before this returns (the next voucher signs it). The
 * usage record and the key's spending are written off the answer's path: queued on the database in the
 * event loop's next check phase (setImmediate), once the answer has been written to the socket, and
 * not waited for (the key's cached spending counts the cost at once, and its reservation stays in the
 * database until the record replaces it, so limits hold meanwhile); a failed write is logged as an
 * error. PGlite runs its statements on this thread, so this keeps the write's CPU out of the answer's
 * latency.
 *
 * @example
 * if (!(await settle(context, forward, attempt, { encoded: outcome.receipt, responseText }))) tryNext()
 */
export async function settle(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
  answer: {
    encoded: string | undefined
    responseText: string
    /** The counts the answer's `usage` reported, if it had one. */
    usage?: { inputTokens: bigint; outputTokens: bigint } | undefined
  },
): Promise<boolean> {
  const { payer, metrics, store, stats } = context
  const { candidate } = attempt
  try {
    const receipt = await payer.acceptReceipt(answer.encoded, {
      offer: candidate,
      requestHash: attempt.requestHash,
      responseHash: hashResponse(answer.responseText),
      bounds: attempt.bounds,
      ...(answer.usage && { usage: answer.usage }),
    })
    const { reservation } = forward
    const release = reservation.open ? reservation.amount : 0n
    reservation.open = false
    metrics.billed.inc(Number(receipt.cost))
    metrics.tokens.inc({ kind: 'prompt' }, Number(receipt.inputTokens))
    metrics.tokens.inc({ kind: 'completion' }, Number(receipt.outputTokens))
    forward.apiKey.spent += receipt.cost
    const latencyMs = performance.now() - forward.started
    const write = () =>
      store
        .recordUsage({
          apiKeyId: forward.apiKey.id,
          provider: candidate.provider,
          model: forward.model,
          modelId: candidate.modelId,
          promptTokens: Number(receipt.inputTokens),
          completionTokens: Number(receipt.outputTokens),
          cost: receipt.cost,
          latencyMs,
          requestHash: attempt.requestHash,
          release,
        })
        .catch((error: Error) =>
          forward.request.log.error({
            msg: "usage record not written: the API key's spending in the database misses this cost",
            apiKeyId: forward.apiKey.id,
            cost: receipt.cost.toString(),
            requestHash: attempt.requestHash,
            err: error.message,
          }),
        )
    setImmediate(write)
    context.onReceipt?.({
      kind: forward.kind,
      candidate,
      requestBody: attempt.upstreamBody,
      responseText: answer.responseText,
      receipt,
      signedReceipt: answer.encoded as string,
    })
    return true
  } catch (error) {
    stats.failed(candidate.provider)
    forward.request.log.warn({
      msg: 'receipt refused; not paying for this answer',
      provider: candidate.provider,
      err: (error as Error).message,
    })
    return false
  }
}
