import type { ProviderClient } from '@infermesh/client'
import type { Payer, RequestBounds } from '@infermesh/payments'
import type { Receipt, RequestKind, ServerSentEvent } from '@infermesh/protocol'
import type { FastifyRequest } from 'fastify'
import type { GatewayError } from '../errors.js'
import type { ProviderStats } from '../routing/createProviderStats.js'
import type { RoutingTable } from '../routing/createRoutingTable.js'
import type { Candidate, SortPolicy } from '../routing/types.js'
import type { GatewayMetrics } from '../server/createGatewayMetrics.js'
import type { ApiKey, GatewayStore } from '../store/createGatewayStore.js'

/** The three kinds of paid request the gateway forwards (bound into every receipt's request hash). */
export type Kind = RequestKind

/** How requests are routed and timed. */
export type RoutingOptions = {
  defaultSort: SortPolicy
  /** Providers tried per request (first choice + fallbacks). */
  maxAttempts: number
  /** One overall time limit per request (streams included), ms. */
  deadlineMs: number
  /** Time limit for a provider's first byte, and for each pause once it has started answering, ms. */
  firstByteTimeoutMs: number
  /**
   * The context (tokens) a request without max_tokens may fill: the output bound of the worst case
   * when the customer names none, and the ceiling of any max_tokens.
   */
  contextTokens: number
}

/** What the gateway hands on after each verified receipt (e.g. to sample it for verification). */
export type ReceiptEvent = {
  kind: Kind
  candidate: Candidate
  /** The body as sent to the provider (what the receipt's request hash covers). */
  requestBody: Record<string, unknown>
  responseText: string
  receipt: Receipt
  /** The receipt as the provider encoded it, signature included. */
  signedReceipt: string
}

/** Everything the steps of forwarding share, built once per server. */
export type ForwardContext = {
  discovery: Pick<RoutingTable, 'candidates'>
  stats: ProviderStats
  payer: Pick<Payer, 'voucherHeader' | 'acceptReceipt' | 'resync' | 'addAbortAllowance'> & {
    /**
     * Whether the payer can pay the provider `worstCase` more (its allocation covers what is owed,
     * in flight and this request; tops up below the watermark). Absent: every provider is payable.
     */
    canPay?: (provider: `0x${string}`, worstCase: bigint) => Promise<boolean>
    /** Ends what canPay reserved for one request. */
    paid?: (provider: `0x${string}`, worstCase: bigint) => void
  }
  store: Pick<GatewayStore, 'recordUsage' | 'reserve' | 'release'>
  metrics: GatewayMetrics
  /** How providers are called (peerFetch: no redirects, private addresses as configured, bounded reads). */
  providers: ProviderClient
  routing: RoutingOptions
  onReceipt?: (event: ReceiptEvent) => void
}

/** One customer request, checked, as it is forwarded. */
export type ForwardRequest = {
  kind: Kind
  request: FastifyRequest
  apiKey: ApiKey
  /** The model as the customer named it. */
  model: string
  /** The customer's body without the gateway's own `provider` field. */
  body: Record<string, unknown>
  wantsBase64: boolean
  /** `performance.now()` when the request arrived. */
  started: number
  /** `Date.now()` after which no provider is tried and every answer is cut. */
  deadline: number
  /** Aborted when the customer goes away. */
  clientGone: AbortSignal
  /**
   * What is reserved against the API key's spending limit for this request (the highest worst case
   * among its candidates); `open` until settled, charged for an abort, or released.
   */
  reservation: { amount: bigint; open: boolean }
}

/** The request as sent to one provider: its own model name, and the hash its receipt must carry. */
export type Attempt = {
  candidate: Candidate
  upstreamBody: Record<string, unknown>
  requestHash: `0x${string}`
  /** The request's token bounds as sent to this candidate (requestBounds). */
  bounds: RequestBounds
  /** cost(bounds) at this candidate's offer: the most this request may ever be billed. */
  worstCase: bigint
}

/**
 * How one call to one provider ended. `answer` and `stream` leave the provider's request in flight in
 * the stats (the relay closes it); the other kinds have been counted already.
 */
export type CallOutcome =
  | {
      kind: 'answer'
      body: Record<string, unknown>
      /** The encoded receipt from the receipt header. */
      receipt: string | undefined
      /** Milliseconds from the customer's request to the whole answer. */
      ttfb: number
    }
  | {
      kind: 'stream'
      events: AsyncGenerator<ServerSentEvent>
      cancel: () => Promise<void>
      /** Milliseconds from the customer's request to the stream's headers. */
      ttfb: number
    }
  | {
      kind: 'retryNext'
      /** Why, in the gateway's own words (shown to the customer if every provider fails). */
      reason: string
    }
  | {
      kind: 'clientError'
      /** The provider says the request is at fault in a way the gateway could not check itself. */
      error: GatewayError
    }
  | {
      kind: 'paymentRefused'
      /** The provider's refusal code (`voucher_lowered`, `voucher_stale`, …), when of a safe shape. */
      code: string | undefined
      /** What the provider says is owed (`voucher_stale`). */
      owed: bigint | undefined
      /** The first characters of the provider's message, for the log only. */
      detail: string | undefined
    }
