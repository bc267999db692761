import type { Backend } from '@infermesh/llama'
import type { ChannelLedger, PaymentGate } from '@infermesh/payments'
import type { FastifyBaseLogger } from 'fastify'
import type { Address, Hex, LocalAccount } from 'viem'
import type { Limiter } from './createLimiter.js'
import type { Metrics } from './createMetrics.js'

/** A model this provider sells, with its on-chain price (MESH wei per 1M tokens). */
export type ServedModel = {
  name: string
  modelId: Hex
  pricePerMInput: bigint
  pricePerMOutput: bigint
  contextLength: number
  embeddings: boolean
}

/** What the provider's HTTP server and each of its routes are given. */
export type ProviderServerOptions = {
  backend: Backend
  models: ServedModel[]
  gate: PaymentGate
  /** The channel ledger: billing adds each receipt to it. */
  store: ChannelLedger
  /** Signs receipts: the provider's key. */
  account: LocalAccount
  chainId: number
  payments: Address
  limiter: Limiter
  metrics: Metrics
  logger: FastifyBaseLogger | boolean
  /** Largest request body in bytes; larger gets 413. */
  maxBodyBytes: number
  /**
   * Longest an inference request may take from its arrival to its last byte, queueing included
   * (`server.requestTimeoutMs`); then it is stopped and answered 504 `request_timeout`.
   */
  requestTimeoutMs: number
  /** max_tokens when the request gives none. */
  defaultMaxTokens?: number
  /** Whether /ready should answer 200 (set once everything has started). */
  isReady?: () => boolean
  /** True while the provider drains before stopping: new inference requests get 503. */
  isClosing?: () => boolean
}
