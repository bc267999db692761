import { type LookupAddress, type LookupOptions, lookup } from 'node:dns'
import { isPrivateAddress } from './isPrivateAddress.js'
import { PeerError } from './PeerError.js'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `net.connect` lookup that resolves every address of a hostname and fails when any of them is
 * private (see `isPrivateAddress`). Given to the socket itself, so the addresses checked are exactly
 * the ones it connects to: a hostname that answers public first and private next (DNS rebinding)
 * is checked at the moment of connecting, not before.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const refused = addresses.find((entry) => isPrivateAddress(entry.address))
    if (refused || addresses.length === 0)
      return callback(
        new PeerError(
          `${hostname} resolves to ${refused?.address ?? 'no address'}, a private, loopback or link-local address; peers must be on the public internet`,
          { code: 'peer_refused_address', url: hostname },
        ),
        [],
      )
    if (options.all) return callback(null, addresses)
    const first = addresses[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}
