import { PeerError } from '@infermesh/client'
import { ServerSentEventsError } from '@infermesh/protocol'

/** A failure to talk to a provider, in the gateway's own words, and its label in the attempts metric. */
export type PeerFailure = { reason: string; outcome: string }

/**
 * Describes why a call to a provider (or its stream) failed without repeating anything the provider
 * wrote: a redirect's target, an error body or a socket message never reach the customer.
 *
 * @example
 * describePeerFailure(new PeerError('…', { code: 'peer_redirect', url })) // { reason: 'answered with a redirect, which is never followed', outcome: 'redirect' }
 */
export function describePeerFailure(error: unknown): PeerFailure {
  if (error instanceof ServerSentEventsError)
    return error.code === 'event_too_large'
      ? {
          reason: 'one event of its stream grew past the size limit without ending',
          outcome: 'event_too_large',
        }
      : { reason: 'its stream passed the size limit', outcome: 'stream_too_large' }
  if (!(error instanceof PeerError)) return { reason: 'the connection failed', outcome: 'connect_error' }
  switch (error.code) {
    case 'peer_timeout':
      return { reason: 'no answer in time', outcome: 'timeout' }
    case 'peer_unreachable':
      return { reason: 'could not be reached', outcome: 'connect_error' }
    case 'peer_redirect':
      return { reason: 'answered with a redirect, which is never followed', outcome: 'redirect' }
    case 'peer_refused_address':
      return {
        reason: 'its endpoint is not a public address, so it is not called',
        outcome: 'refused_address',
      }
    case 'peer_too_large':
      return { reason: 'its answer was larger than the size limit', outcome: 'too_large' }
    case 'peer_bad_response':
      return { reason: 'its answer was malformed', outcome: 'bad_answer' }
  }
}
