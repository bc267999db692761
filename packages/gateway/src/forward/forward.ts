import { requestBounds, worstCaseCost } from '@infermesh/payments'
import { hashRequest } from '@infermesh/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import type { Candidate } from '../routing/types.js'
import type { ApiKey } from '../store/createGatewayStore.js'
import { callProvider } from './callProvider.js'
import { chargeAbort } from './chargeAbort.js'
import { relayAnswer } from './relayAnswer.js'
import { relayStream } from './relayStream.js'
import { retryPayment } from './retryPayment.js'
import { routeRequest } from './routeRequest.js'
import type { Attempt, ForwardContext, ForwardRequest, Kind } from './types.js'
import { validateRequest } from './validateRequest.js'

/**
 * Answers one paid request (chat, completion or embeddings) from the network: validate it the way
 * every honest provider would → route it (rank candidates) → for each candidate in turn, at most
 * `routing.maxAttempts`, callProvider (with one more call after a payment refusal that a fresh
 * voucher can fix) → relay the answer (a stream as it comes, JSON only once its receipt is verified)
 * → settle the receipt. A provider that fails, refuses what the gateway validated, or answers without
 * a valid receipt is passed over for the next; the customer never sees what it wrote.
 *
 * @example
 * app.post('/v1/chat/completions', { onRequest: checkApiKey }, (request, reply) => forward(context, 'chat', apiKey, request, reply))
 */
export async function forward(
  context: ForwardContext,
  kind: Kind,
  apiKey: ApiKey,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const started = performance.now()
  const valid = validateRequest(kind, request.body)
  const overLimit = () =>
    new GatewayError(
      `This API key's spending limit of ${apiKey.spendLimit} MESH wei does not cover this request's worst case (spent ${apiKey.spent}).`,
      { status: 429, code: 'insufficient_quota', type: 'rate_limit_error', retryable: false },
    )
  if (apiKey.spendLimit !== null && apiKey.spent >= apiKey.spendLimit) throw overLimit()
  const candidates = routeRequest(context, valid.model, valid.preferences)
  const attempts = candidates.map((candidate) => prepareAttempt(kind, valid.body, candidate, context))
  // Reserve the highest worst case atomically against the key's limit before anything is sent. A key
  // without a limit has nothing to reserve against (a key's limit is set when it is created and never
  // changes), so it skips the database round trip: its reservation is 0 and closed.
  const limited = apiKey.spendLimit !== null
  const amount = limited
    ? attempts.reduce((max, attempt) => (attempt.worstCase > max ? attempt.worstCase : max), 0n)
    : 0n
  if (limited && !(await context.store.reserve(apiKey.id, amount))) throw overLimit()
  const reservation = { amount, open: limited }
  try {
    return await forwardReserved(context, kind, apiKey, request, reply, {
      valid,
      started,
      attempts,
      reservation,
    })
  } finally {
    if (reservation.open) {
      reservation.open = false
      await context.store.release(apiKey.id, amount)
    }
  }
}

async function forwardReserved(
  context: ForwardContext,
  kind: Kind,
  apiKey: ApiKey,
  request: FastifyRequest,
  reply: FastifyReply,
  prepared: {
    valid: ReturnType<typeof validateRequest>
    started: number
    attempts: Attempt[]
    reservation: ForwardRequest['reservation']
  },
): Promise<unknown> {
  const { valid, started, attempts, reservation } = prepared
  const candidates = attempts.map((attempt) => attempt.candidate)
  const clientGone = new AbortController()
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort()
  })
  const current: ForwardRequest = {
    kind,
    request,
    apiKey,
    model: valid.model,
    body: valid.body,
    wantsBase64: valid.wantsBase64,
    started,
    deadline: Date.now() + context.routing.deadlineMs,
    clientGone: clientGone.signal,
    reservation,
  }

  const failures: string[] = []
  // Providers that called the request the customer's fault: if another then serves it, they were wrong.
  const excused: { candidate: Candidate; error: GatewayError }[] = []
  const served = () => {
    for (const { candidate } of excused) {
      context.stats.started(candidate.provider)
      context.stats.failed(candidate.provider)
    }
  }
  for (let index = 0; index < candidates.length; index++) {
    if (clientGone.signal.aborted) return reply
    if (Date.now() >= current.deadline) {
      failures.push('the request deadline passed')
      break
    }
    const attempt = attempts[index] as Attempt
    const { candidate } = attempt
    // Never route to a provider the payer cannot pay: its allocation must cover this worst case.
    if (context.payer.canPay && !(await context.payer.canPay(candidate.provider, attempt.worstCase))) {
      failures.push(`${candidate.provider}: the payer's allocation to it cannot cover this request yet`)
      continue
    }
    let outcome: Awaited<ReturnType<typeof callProvider>>
    try {
      outcome = await callProvider(context, current, attempt, false)
      if (outcome.kind === 'paymentRefused' && (await retryPayment(context, candidate, outcome)))
        outcome = await callProvider(context, current, attempt, true)
    } catch (error) {
      context.payer.paid?.(candidate.provider, attempt.worstCase)
      throw error
    }
    if (outcome.kind !== 'answer' && outcome.kind !== 'stream')
      context.payer.paid?.(candidate.provider, attempt.worstCase)
    if (outcome.kind === 'retryNext' && clientGone.signal.aborted) {
      // The customer left while the provider worked: charged like an aborted stream.
      await chargeAbort(context, current, attempt)
      return reply
    }
    switch (outcome.kind) {
      case 'answer': {
        const json = await relayAnswer(context, current, attempt, outcome).finally(() =>
          context.payer.paid?.(candidate.provider, attempt.worstCase),
        )
        if (json) {
          served()
          return json
        }
        failures.push(`${candidate.provider}: its answer had no valid receipt`)
        break
      }
      case 'stream':
        await relayStream(context, current, attempt, outcome, reply).finally(() =>
          context.payer.paid?.(candidate.provider, attempt.worstCase),
        )
        served()
        return reply
      case 'clientError':
        excused.push({ candidate, error: outcome.error })
        break
      case 'paymentRefused':
        request.log.warn({
          msg: 'provider refused payment',
          provider: candidate.provider,
          code: outcome.code,
          detail: outcome.detail,
        })
        failures.push(`${candidate.provider}: payment refused (${outcome.code ?? 402})`)
        break
      case 'retryNext':
        failures.push(`${candidate.provider}: ${outcome.reason}`)
        break
    }
  }
  if (clientGone.signal.aborted) return reply
  const first = excused[0]
  if (first && failures.length === 0) throw first.error
  for (const { candidate, error } of excused) failures.push(`${candidate.provider}: refused (${error.code})`)
  throw new GatewayError(
    `Every provider tried for '${valid.model}' failed (${candidates.length} tried): ${failures.join('; ')}.`,
    { status: 502, code: 'providers_unavailable', type: 'server_error', retryable: true },
  )
}

/**
 * The request as one candidate gets it: its own model name, floats for embeddings, its hash, and what
 * it can cost at most at this candidate's offer (the payments room's worst case).
 */
function prepareAttempt(
  kind: Kind,
  body: Record<string, unknown>,
  candidate: Candidate,
  context: ForwardContext,
): Attempt {
  const upstreamBody = {
    ...body,
    model: candidate.providerModelName,
    ...(kind === 'embeddings' && { encoding_format: 'float' }),
  }
  const bounds = requestBounds(kind, upstreamBody, { contextTokens: context.routing.contextTokens })
  return {
    candidate,
    upstreamBody,
    requestHash: hashRequest(kind, upstreamBody),
    bounds,
    worstCase: worstCaseCost(bounds, candidate),
  }
}
