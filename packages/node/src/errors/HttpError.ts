import { BaseError } from './BaseError.js'

/** OpenAI's error types, plus InferMesh's payment and upstream errors. */
export type HttpErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'payment_error'
  | 'upstream_error'
  | 'server_error'

export type HttpErrorOptions = {
  /** HTTP status to answer with. */
  status: number
  /** Machine-readable code, e.g. `model_not_found`, `invalid_api_key`, `voucher_lowered`. */
  code: string
  type?: HttpErrorType
  /** The request field at fault, when there is one. */
  param?: string | null
  /** Whether the same request may succeed later (elsewhere, after a wait). Default: status ≥ 500. */
  retryable?: boolean
  /** InferMesh-specific fields sent on the wire as `error.infermesh` (e.g. `{ owed }`). */
  wire?: Record<string, string>
  cause?: unknown
}

/**
 * An error a daemon answers over HTTP, in OpenAI's shape `{ error: { message, type, param, code } }`
 * with `status`. Each daemon's error is a one-line subclass that fixes `name`.
 *
 * @example
 * throw new HttpError('Unknown model tiny.', { status: 404, code: 'model_not_found', param: 'model' })
 */
export class HttpError extends BaseError {
  override name = 'HttpError'
  readonly status: number
  readonly code: string
  readonly type: HttpErrorType
  readonly param: string | null
  readonly wire: Record<string, string> | undefined

  constructor(message: string, options: HttpErrorOptions) {
    super(message, { cause: options.cause, retryable: options.retryable ?? options.status >= 500 })
    this.status = options.status
    this.code = options.code
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.param = options.param ?? null
    this.wire = options.wire
  }

  /** The JSON body OpenAI clients expect. */
  toJSON() {
    return {
      error: {
        message: this.shortMessage,
        type: this.type,
        param: this.param,
        code: this.code,
        ...(this.wire && { infermesh: this.wire }),
      },
    }
  }
}
