import {
  type ReadServerSentEventsOptions,
  readServerSentEvents,
  receiptHeader,
  type ServerSentEvent,
  voucherHeader,
} from '@infermesh/protocol'
import type { z } from 'zod'
import { PeerError } from '../http/PeerError.js'
import { peerFetch } from '../http/peerFetch.js'
import { readBoundedJson } from '../http/readBoundedJson.js'
import { type ProviderRefusal, readProviderRefusal } from './readProviderRefusal.js'

/** How a providerClient calls providers: whether private addresses are allowed and how much it reads. */
export type ProviderClientConfig = {
  /** Allow loopback, private and link-local endpoints: a devnet only (see `peerFetch`). Default false. */
  allowPrivate?: boolean
  /** The largest non-streamed answer, in bytes. Default 8 MiB. */
  maxAnswerBytes?: number
  /** The deepest nesting of a JSON answer. Default 64. */
  maxJsonDepth?: number
  /** The largest single server-sent event of a stream, in bytes. Default 1 MiB. */
  maxEventBytes?: number
  /** The most bytes a whole stream may carry. Default 64 MiB. */
  maxStreamBytes?: number
}

/** One call to a provider: where, what, the payment, and its time limits. */
export type ProviderCallParameters = {
  /** The provider's endpoint as registered (`https://host:port`, no trailing slash needed). */
  endpoint: string
  /** The request body, sent as JSON. */
  body: Record<string, unknown>
  /** The encoded signed voucher (`encodeSignedVoucher`), sent in the voucher header. */
  voucher: string
  /** The whole call, headers and body (the whole stream, when streaming), in milliseconds. */
  deadlineMs: number
  /** How long to wait for the status and headers, in milliseconds. */
  firstByteTimeoutMs?: number
  /** How long the answer may go quiet once it has started, in milliseconds. */
  idleTimeoutMs?: number
  /** Aborts the call (the customer left); the call then rejects with the signal's reason. */
  signal?: AbortSignal
}

/** What a provider answered to a paid request: a checked JSON body, a stream of events, or a refusal. */
export type ProviderAnswer<Body> =
  | {
      kind: 'json'
      status: number
      /** The answer, checked against the operation's schema. */
      body: Body
      /** The encoded signed receipt from the receipt header, when the provider sent one. */
      receipt: string | undefined
    }
  | {
      kind: 'stream'
      status: number
      /** The events as they arrive, bounded in size; a broken limit throws a `ServerSentEventsError`. */
      events: AsyncGenerator<ServerSentEvent>
      /** Drops the stream (and its connection) when it will not be read to the end. */
      cancel: () => Promise<void>
    }
  | ProviderRefusal

/**
 * POSTs a paid request to a provider through `peerFetch` (no redirects, private addresses refused
 * unless allowed, deadlines) and reads the answer with bounds: a JSON answer of at most
 * `maxAnswerBytes` checked against `schema`, a stream when the request asked for one and the provider
 * answered `text/event-stream`, or a refusal reduced to its safe fields. Failures to reach the
 * provider or a malformed answer are `PeerError`s.
 *
 * @example
 * ```ts
 * const answer = await postToProvider(config, '/v1/chat/completions', chatAnswerSchema, { endpoint, body, voucher, deadlineMs: 60_000 })
 * ```
 */
export async function postToProvider<Schema extends z.ZodType>(
  config: ProviderClientConfig,
  path: string,
  schema: Schema,
  parameters: ProviderCallParameters,
): Promise<ProviderAnswer<z.output<Schema>>> {
  const url = `${parameters.endpoint.replace(/\/+$/, '')}${path}`
  const response = await peerFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [voucherHeader]: parameters.voucher },
    body: JSON.stringify(parameters.body),
    allowPrivate: config.allowPrivate ?? false,
    deadlineMs: parameters.deadlineMs,
    ...(parameters.firstByteTimeoutMs !== undefined && { firstByteTimeoutMs: parameters.firstByteTimeoutMs }),
    ...(parameters.idleTimeoutMs !== undefined && { idleTimeoutMs: parameters.idleTimeoutMs }),
    ...(parameters.signal && { signal: parameters.signal }),
  })
  if (response.status >= 400) return readProviderRefusal(response)

  const wantsStream = parameters.body.stream === true
  if (wantsStream && response.headers.get('content-type')?.startsWith('text/event-stream') && response.body) {
    const body = response.body
    const limits: ReadServerSentEventsOptions = {
      maxEventBytes: config.maxEventBytes ?? 1024 * 1024,
      maxStreamBytes: config.maxStreamBytes ?? 64 * 1024 * 1024,
    }
    return {
      kind: 'stream',
      status: response.status,
      events: readServerSentEvents(body, limits),
      cancel: async () => {
        await body.cancel().catch(() => {})
      },
    }
  }

  const json = await readBoundedJson(response, {
    maxBytes: config.maxAnswerBytes ?? 8 * 1024 * 1024,
    maxDepth: config.maxJsonDepth ?? 64,
  })
  const checked = schema.safeParse(json)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    throw new PeerError(
      `The provider at ${url} answered ${response.status} with a body that is not a valid answer (\`${issue?.path.join('.') ?? ''}\` ${issue?.message ?? 'is invalid'})`,
      { code: 'peer_bad_response', url },
    )
  }
  // The body as sent (the schema only checks it), so nothing the provider wrote is reordered.
  return {
    kind: 'json',
    status: response.status,
    body: json as z.output<Schema>,
    receipt: response.headers.get(receiptHeader) ?? undefined,
  }
}
