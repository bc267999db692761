/** What every kit error accepts: the error that caused it, details for logs, whether a retry may succeed. */
export type BaseErrorOptions = {
  cause?: unknown
  /** More about what happened, for logs and the CLI (not a replacement for a clear message). */
  details?: string
  /** Whether trying the same thing again (later, or elsewhere) may succeed. */
  retryable?: boolean
}

/**
 * The root of InferMesh's daemon errors, in the manner of viem's: a literal `name` to switch on, a
 * `shortMessage` a person can act on, optional `details`, a `cause` chain that `walk` follows, and
 * `retryable`, which callers read to decide whether to try again (another provider, later).
 *
 * @example
 * class FeedError extends BaseError { override name = 'FeedError' as const }
 * throw new FeedError('the feed at http://… did not answer in 30 s', { retryable: true, cause })
 */
export class BaseError extends Error {
  override name = 'BaseError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly retryable: boolean

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    super(shortMessage, options.cause === undefined ? undefined : { cause: options.cause })
    this.shortMessage = shortMessage
    this.details =
      options.details ?? (options.cause instanceof Error ? options.cause.message : undefined) ?? undefined
    this.retryable = options.retryable ?? false
  }

  /**
   * Follows the `cause` chain: returns the first error for which `predicate` is true (this one
   * included), or the deepest cause when no predicate is given. `null` when nothing matches.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkCause(this, predicate)
  }
}

/** `BaseError.walk` for any thrown value. Stops after 32 links, so a cyclic chain cannot hang it. */
export function walkCause(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  let current: unknown = error
  for (let depth = 0; depth < 32; depth++) {
    if (predicate?.(current)) return current
    const next = current instanceof Error ? current.cause : undefined
    if (next === undefined) return predicate ? null : current
    current = next
  }
  return predicate ? null : current
}
