/** OpenAI-style error types the provider answers with. */
export type ProviderErrorType =
  | 'invalid_request_error'
  | 'payment_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'server_error'

export type ProviderErrorOptions = {
  /** HTTP status to answer with. */
  status: number
  /** Machine-readable code, e.g. `model_not_found`, `context_length_exceeded`, `voucher_lowered`. */
  code: string
  type?: ProviderErrorType
  /** The request field at fault, when there is one. */
  param?: string | null
  /** Whether the same request may succeed later (another provider, after a wait). */
  retryable?: boolean
  /** Extra machine-readable fields, sent as `error.infermesh` (e.g. channel balances on a 402). */
  details?: Record<string, string>
  cause?: unknown
}

/**
 * The base of every error the provider package throws. The HTTP layer turns it into OpenAI's error
 * shape: `{ error: { message, type, param, code } }` with `status`.
 */
export class ProviderError extends Error {
  override name = 'ProviderError'
  readonly status: number
  readonly code: string
  readonly type: ProviderErrorType
  readonly param: string | null
  readonly retryable: boolean
  readonly details: Record<string, string> | undefined

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = options.status
    this.code = options.code
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.param = options.param ?? null
    this.retryable = options.retryable ?? options.status >= 500
    this.details = options.details
  }

  /** The JSON body OpenAI clients expect. */
  toJSON() {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: this.param,
        code: this.code,
        ...(this.details && { infermesh: this.details }),
      },
    }
  }
}
