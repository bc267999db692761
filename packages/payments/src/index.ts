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
