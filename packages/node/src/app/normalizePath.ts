// Percent-encoded unreserved characters (RFC 3986 §2.3: ALPHA, DIGIT, "-", ".", "_", "~").
const encodedUnreserved = /%(4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|3[0-9]|2D|2E|5F|7E)/gi

/**
 * The request target with every percent-encoded unreserved character decoded (RFC 3986 §6.2.2.2), so
 * hooks that look at the path see what the router routes: `/%761/models` is `/v1/models` for both.
 * The query string is left as it is.
 *
 * @example
 * normalizePath('/%761/models?x=%41') // '/v1/models?x=%41'
 */
export function normalizePath(url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  const query = queryAt === -1 ? '' : url.slice(queryAt)
  return (
    path.replace(encodedUnreserved, (encoded) => String.fromCharCode(Number.parseInt(encoded.slice(1), 16))) +
    query
  )
}
