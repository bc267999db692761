export type ValidatorErrorOptions = {
  /** HTTP status when the error answers a request. Defaults to 500. */
  status?: number
  /** Machine-readable code, e.g. `model_not_loaded`, `invalid_request`, `queue_full`. Defaults to `validator_error`. */
  code?: string
  /** Error type, OpenAI-style (e.g. `invalid_request_error`, `rate_limit_error`). */
  type?: string
  /** Whether the same call may succeed later. Defaults to `status >= 500`. */
  retryable?: boolean
  cause?: unknown
}

/**
 * The base of every error the validator package throws. A verification that cannot be carried out
 * (unknown model, unreadable request) throws; a provider's wrong answer never throws, it is a verdict.
 */
export class ValidatorError extends Error {
  override name = 'ValidatorError'
  readonly status: number
  readonly code: string
  readonly type: string
  readonly retryable: boolean

  constructor(message: string, options: ValidatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = options.status ?? 500
    this.code = options.code ?? 'validator_error'
    this.type = options.type ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.retryable = options.retryable ?? this.status >= 500
  }

  /** The JSON body of an error answer: `{ error: { message, type, code } }`. */
  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code } }
  }
}
