/** OpenAI-style error types the gateway answers with. */
export type GatewayErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'rate_limit_error'
  | 'server_error'

export type GatewayErrorOptions = {
  status: number
  /** Machine-readable code, e.g. `invalid_api_key`, `model_not_found`, `no_provider_available`. */
  code: string
  type?: GatewayErrorType
  param?: string | null
  /** Whether the same request may succeed later. */
  retryable?: boolean
  cause?: unknown
}

/**
 * The base of every error the gateway package throws; the HTTP layer answers it in OpenAI's shape
 * `{ error: { message, type, param, code } }` with `status`.
 */
export class GatewayError extends Error {
  override name = 'GatewayError'
  readonly status: number
  readonly code: string
  readonly type: GatewayErrorType
  readonly param: string | null
  readonly retryable: boolean

  constructor(message: string, options: GatewayErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = options.status
    this.code = options.code
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.param = options.param ?? null
    this.retryable = options.retryable ?? options.status >= 500
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }
}
