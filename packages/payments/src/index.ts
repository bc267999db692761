export { usageOf } from './cost/usageOf.js'
export {
  type OfferPrices,
  promptOverhead,
  promptTokenBound,
  type RequestBounds,
  type RequestKind,
  requestBounds,
  worstCaseCost,
} from './cost/worstCase.js'
export { PaymentError } from './PaymentError.js'
export { type Allocator, type AllocatorOptions, createAllocator } from './payer/createAllocator.js'
export {
  createPayer,
  type Payer,
  type PayerOffer,
  type PayerOptions,
  type ReceiptExpectation,
} from './payer/createPayer.js'
export { createSqlPayerLedger } from './payer/createSqlPayerLedger.js'
export { migratePayerLedger } from './payer/migratePayerLedger.js'
export type { PayerChannel, PayerLedger } from './payer/PayerLedger.js'
export type { Channel, ChannelLedger, ReceiptRecord } from './recipient/ChannelLedger.js'
export { type AllocationReaderOptions, createAllocationReader } from './recipient/createAllocationReader.js'
export {
  type Admission,
  createPaymentGate,
  type PaymentGate,
  type PaymentGateOptions,
} from './recipient/createPaymentGate.js'
export { createSqlChannelLedger } from './recipient/createSqlChannelLedger.js'
export { migrateChannelLedger } from './recipient/migrateChannelLedger.js'
export {
  createSettler,
  type SettleResult,
  type Settler,
  type SettlerOptions,
} from './settler/createSettler.js'
