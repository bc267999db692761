/** OpenAI-style error types the explorer answers with. */
export type ExplorerErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'server_error'

export type ExplorerErrorOptions = {
  /** HTTP status the API answers with. */
  status?: number
  /** Machine-readable code, e.g. `method_not_allowed`, `invalid_signature`, `nonce_used`. */
  code: string
  type?: ExplorerErrorType
  /** Whether the same call may succeed later. */
  retryable?: boolean
  cause?: unknown
}

/**
 * The base of every error the explorer package throws. The HTTP layer answers it in OpenAI's shape
 * `{ error: { message, type, param, code } }` with `status`.
 */
export class ExplorerError extends Error {
  override name = 'ExplorerError'
  readonly status: number
  readonly code: string
  readonly type: ExplorerErrorType
  readonly retryable: boolean

  constructor(message: string, options: ExplorerErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = options.status ?? 500
    this.code = options.code
    this.type = options.type ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.retryable = options.retryable ?? this.status >= 500
  }

  /** The JSON body of an error answer. */
  toJSON() {
    return { error: { message: this.message, type: this.type, param: null, code: this.code } }
  }
}
