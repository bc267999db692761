import { BaseError } from '@infermesh/node'

/** What went wrong talking to a peer. Only `peer_timeout` and `peer_unreachable` are worth retrying. */
export type PeerErrorCode =
  | 'peer_refused_address'
  | 'peer_redirect'
  | 'peer_timeout'
  | 'peer_unreachable'
  | 'peer_too_large'
  | 'peer_bad_response'

/**
 * A call to a peer (a provider, validator or any endpoint read from the Registry) failed or was
 * refused. `url` never holds a password: userinfo passwords are masked. `retryable` is true for
 * `peer_timeout` and `peer_unreachable`: the same peer may answer next time, or another peer may.
 *
 * @example
 * ```ts
 * try { await peerFetch(url, { deadlineMs: 10_000 }) }
 * catch (error) { if (error instanceof PeerError && error.retryable) tryNextProvider() }
 * ```
 */
export class PeerError extends BaseError {
  override name = 'PeerError' as const
  readonly code: PeerErrorCode
  readonly url: string

  constructor(message: string, options: { code: PeerErrorCode; url: string; cause?: unknown }) {
    super(message, {
      cause: options.cause,
      retryable: options.code === 'peer_timeout' || options.code === 'peer_unreachable',
    })
    this.code = options.code
    this.url = options.url
  }
}
