import type { Receipt, RequestKind } from '@infermesh/protocol'
import type { SampleVerdict } from './createReputation.js'

/** What a re-execution concluded about one answer. */
export type CheckResult = {
  verdict: SampleVerdict
  checkedTokens: number
  reasons: string[]
  elapsedMs: number
}

/** Re-executes one answer (its receipt, the request as sent and the content) and judges it. */
export type SampleCheck = (input: {
  receipt: Receipt
  /** The endpoint that served the request: it is re-executed as this kind, never as another. */
  kind: RequestKind
  request: Record<string, unknown>
  response: string
  source: 'gateway' | 'probe' | 'committee' | 'job'
}) => Promise<CheckResult>
