/** Options every protocol error accepts: the low-level error that caused it. */
export type BaseErrorOptions = { cause?: unknown }

/**
 * The base of every error thrown by `@infermesh/protocol`. `name` is a literal so callers can
 * switch on it; `retryable` says whether trying the same thing again may succeed.
 */
export class BaseError extends Error {
  override name = 'InferMeshProtocolError'
  readonly retryable: boolean

  constructor(message: string, options: BaseErrorOptions & { retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = options.retryable ?? false
  }
}
