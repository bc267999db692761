import { maskUrlPassword } from './maskUrlPassword.js'
import { PeerError } from './PeerError.js'

/** Options of `readBoundedBody`: the most bytes the body may have. */
export type ReadBoundedBodyOptions = { maxBytes: number }

/**
 * Reads a response body whole, but never more than `maxBytes`: a body that says (Content-Length) or
 * turns out to be larger is cancelled at once, so the connection is dropped, and a `peer_too_large`
 * PeerError is thrown. Errors while reading (a peerFetch timeout, say) are rethrown as they are.
 *
 * @example
 * ```ts
 * const bytes = await readBoundedBody(await peerFetch(url, { deadlineMs: 10_000 }), { maxBytes: 1024 * 1024 })
 * ```
 */
export async function readBoundedBody(
  response: Response,
  options: ReadBoundedBodyOptions,
): Promise<Uint8Array> {
  const { maxBytes } = options
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0))
    throw new TypeError(`readBoundedBody: maxBytes must be a whole number of bytes, not ${maxBytes}`)
  const url = maskUrlPassword(response.url) || '(a response without a URL)'
  const tooLarge = (size: string) =>
    new PeerError(
      `The peer at ${url} sent a body of ${size}, more than the ${maxBytes} bytes allowed; it was cut off`,
      { code: 'peer_too_large', url },
    )
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw tooLarge(`${declared} bytes`)
  }
  if (response.body === null) return new Uint8Array(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(`more than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
