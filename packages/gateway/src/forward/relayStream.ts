import { usageOf } from '@infermesh/payments'
import { receiptEvent } from '@infermesh/protocol'
import type { FastifyReply } from 'fastify'
import { GatewayError } from '../errors.js'
import { chargeAbort } from './chargeAbort.js'
import { describePeerFailure } from './describePeerFailure.js'
import { settle } from './settle.js'
import type { Attempt, CallOutcome, ForwardContext, ForwardRequest } from './types.js'

/**
 * Relays a provider's stream to the customer event by event (the receipt event is kept back), then
 * settles its receipt. The stream is bounded by the provider client: the request's deadline, the idle
 * limit between chunks, the size of one event and of the whole stream. When it breaks, the customer
 * gets an error event in the gateway's own words and the provider a failure; when the customer leaves,
 * the key is charged the request's worst case and the channel may catch up by as much (chargeAbort).
 *
 * @example
 * if (outcome.kind === 'stream') return relayStream(context, forward, attempt, outcome, reply)
 */
export async function relayStream(
  context: ForwardContext,
  forward: ForwardRequest,
  attempt: Attempt,
  outcome: Extract<CallOutcome, { kind: 'stream' }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { stats, metrics } = context
  const { candidate } = attempt
  reply.hijack()
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  })
  const fail = (message: string) => {
    if (reply.raw.destroyed) return
    const failure = new GatewayError(message, { status: 502, code: 'stream_interrupted' })
    reply.raw.write(`data: ${JSON.stringify(failure.toJSON())}\n\n`)
  }
  let text = ''
  let receipt: string | undefined
  let completionTokens = 0
  let usage: ReturnType<typeof usageOf>
  let done = false
  const chat = forward.kind === 'chat'
  try {
    for await (const event of outcome.events) {
      if (event.event === receiptEvent) {
        try {
          const data = JSON.parse(event.data) as { receipt?: unknown } | null
          if (typeof data?.receipt === 'string') receipt = data.receipt
        } catch {}
        continue
      }
      if (event.data === '[DONE]') done = true
      else if (event.data) {
        try {
          const chunk = JSON.parse(event.data) as {
            choices?: { delta?: { content?: unknown }; text?: unknown }[]
            usage?: { completion_tokens?: unknown }
          }
          const piece = chat ? chunk.choices?.[0]?.delta?.content : chunk.choices?.[0]?.text
          if (typeof piece === 'string') text += piece
          const tokens = chunk.usage?.completion_tokens
          if (typeof tokens === 'number' && tokens > 0) completionTokens = tokens
          if (chunk.usage != null) usage = usageOf(chunk.usage)
        } catch {}
      }
      if (!reply.raw.destroyed) reply.raw.write(event.raw)
    }
  } catch (error) {
    await outcome.cancel()
    if (forward.clientGone.aborted) {
      stats.released(candidate.provider)
      await chargeAbort(context, forward, attempt)
      return reply
    }
    const failure = describePeerFailure(error)
    metrics.attempts.inc({ outcome: `stream_${failure.outcome}` })
    forward.request.log.warn({
      msg: 'provider stream broke off',
      provider: candidate.provider,
      err: (error as Error).message,
    })
    fail(`The provider's stream broke off (${failure.reason}); retry the request.`)
    stats.failed(candidate.provider)
    reply.raw.end()
    return reply
  }
  if (!done) fail('The provider ended the stream early; retry the request.')
  reply.raw.end()
  const settled = await settle(context, forward, attempt, { encoded: receipt, responseText: text, usage })
  const total = performance.now() - forward.started
  // settle counted a bad receipt as a failure already.
  if (settled && done)
    stats.succeeded(candidate.provider, {
      latencyMs: outcome.ttfb,
      ...(completionTokens > 0 && { msPerToken: (total - outcome.ttfb) / completionTokens }),
    })
  else if (settled) stats.failed(candidate.provider)
  metrics.requests.inc({ route: forward.kind, status: 200 })
  metrics.latency.observe({ route: forward.kind }, total / 1000)
  return reply
}
