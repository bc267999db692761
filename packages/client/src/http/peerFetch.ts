import { isIP } from 'node:net'
import { Agent, type RequestInit as UndiciRequestInit, fetch as undiciFetch } from 'undici'
import { isPrivateAddress } from './isPrivateAddress.js'
import { maskUrlPassword } from './maskUrlPassword.js'
import { PeerError, type PeerErrorCode } from './PeerError.js'
import { publicOnlyLookup } from './publicOnlyLookup.js'

/** `fetch` options, less those peerFetch decides itself (redirects, dispatcher), plus its limits. */
export type PeerFetchInit = Omit<RequestInit, 'redirect' | 'signal' | 'dispatcher' | 'window'> & {
  /** Allow loopback, private and link-local addresses. Only for a devnet, where everything runs on 127.0.0.1. */
  allowPrivate?: boolean
  /** The whole call, from sending the request to reading the last byte of the body, in milliseconds. */
  deadlineMs: number
  /** How long to wait for the answer's status and headers, in milliseconds. */
  firstByteTimeoutMs?: number
  /** How long the body may go quiet while it is being read, in milliseconds. */
  idleTimeoutMs?: number
  /** Aborts the call; the call then rejects with `signal.reason`, not with a PeerError. */
  signal?: AbortSignal
}

// One connection pool per policy, shared by every call, so keep-alive connections are reused. The
// strict pool checks every address it connects to; the devnet pool connects anywhere.
let publicAgent: Agent | undefined
let devnetAgent: Agent | undefined
const nullBodyStatuses = new Set([204, 205])

/**
 * The one way to call a peer: any endpoint read from the Registry, which anyone can write. It refuses
 * schemes other than http and https, never follows redirects (a 3xx is a `peer_redirect` error),
 * refuses loopback, private, link-local (cloud metadata), CGNAT and multicast addresses, also when a
 * hostname resolves to one, checking the very addresses the socket connects to so DNS rebinding cannot
 * slip past, and bounds time: `deadlineMs` covers the headers and the whole body, `firstByteTimeoutMs`
 * the wait for headers, `idleTimeoutMs` each pause in the body. Every limit aborts the request.
 *
 * Failures are `PeerError`s (with the URL's password masked), except an abort through `signal`, which
 * rejects with the signal's reason. A password in the URL is sent as HTTP Basic authorization. Read the
 * body with `readBoundedBody`, `readBoundedText` or `readBoundedJson` to bound its size too; a body
 * left unread holds its connection until the deadline, so read it or `response.body?.cancel()`.
 *
 * @example
 * ```ts
 * const response = await peerFetch(`${provider.endpoint}/health`, { deadlineMs: 5_000, idleTimeoutMs: 2_000 })
 * const health = await readBoundedJson(response, { maxBytes: 64 * 1024, maxDepth: 16 })
 * ```
 */
export async function peerFetch(url: string | URL, init: PeerFetchInit): Promise<Response> {
  const { allowPrivate = false, deadlineMs, firstByteTimeoutMs, idleTimeoutMs, signal, ...request } = init
  checkMilliseconds('deadlineMs', deadlineMs)
  if (firstByteTimeoutMs !== undefined) checkMilliseconds('firstByteTimeoutMs', firstByteTimeoutMs)
  if (idleTimeoutMs !== undefined) checkMilliseconds('idleTimeoutMs', idleTimeoutMs)
  const target = parsePeerUrl(url, allowPrivate)
  const masked = target.masked
  signal?.throwIfAborted()

  const controller = new AbortController()
  const timeout = (ms: number, what: string) => {
    const timer = setTimeout(() => {
      controller.abort(
        new PeerError(`The peer at ${masked} ${what}; it may be down or overloaded, try another peer`, {
          code: 'peer_timeout',
          url: masked,
        }),
      )
      finish()
    }, ms)
    timer.unref()
    return timer
  }
  const deadline = timeout(deadlineMs, `did not finish answering within ${deadlineMs} ms`)
  const firstByte =
    firstByteTimeoutMs === undefined
      ? undefined
      : timeout(firstByteTimeoutMs, `sent no answer within ${firstByteTimeoutMs} ms`)
  let idle: NodeJS.Timeout | undefined
  const onAbort = () => controller.abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  const finish = () => {
    clearTimeout(deadline)
    clearTimeout(firstByte)
    clearTimeout(idle)
    signal?.removeEventListener('abort', onAbort)
  }
  const failure = (error: unknown): unknown => {
    if (signal?.aborted) return signal.reason
    if (controller.signal.reason instanceof PeerError) return controller.signal.reason
    return classify(error, masked)
  }

  const headers = new Headers(request.headers)
  if (target.authorization && !headers.has('authorization'))
    headers.set('authorization', target.authorization)
  const call = () =>
    undiciFetch(target.url, {
      ...(request as UndiciRequestInit),
      headers: headers as unknown as UndiciRequestInit['headers'],
      redirect: 'manual',
      signal: controller.signal,
      dispatcher: agentFor(allowPrivate),
    })
  // A kept-alive connection the peer closed just as it was reused fails before any answer: a GET or a
  // HEAD (nothing sent but the request line) is sent once more on a fresh connection, within the same
  // deadline. Anything else is the caller's to retry (a POST may have been acted on).
  const idempotent = ['GET', 'HEAD'].includes((request.method ?? 'GET').toUpperCase())
  let response: Awaited<ReturnType<typeof undiciFetch>>
  try {
    response = await call().catch((error: unknown) => {
      if (!idempotent || controller.signal.aborted || signal?.aborted || !isConnectionReset(error))
        throw error
      return call()
    })
  } catch (error) {
    finish()
    throw failure(error)
  }
  clearTimeout(firstByte)

  if (response.status >= 300 && response.status < 400) {
    finish()
    await response.body?.cancel().catch(() => {})
    const location = response.headers.get('location')
    throw new PeerError(
      `The peer at ${masked} answered ${response.status} ${location === null ? 'without a Location' : `pointing to ${JSON.stringify(maskUrlPassword(location.slice(0, 200)))}`}; peers are never followed to another address, so call the address it registered`,
      { code: 'peer_redirect', url: masked },
    )
  }

  if (response.status < 200 || response.status > 599) {
    finish()
    await response.body?.cancel().catch(() => {})
    throw new PeerError(
      `The peer at ${masked} answered with status ${response.status}, which HTTP does not have`,
      {
        code: 'peer_bad_response',
        url: masked,
      },
    )
  }

  const source = nullBodyStatuses.has(response.status) ? null : response.body
  let body: ReadableStream<Uint8Array> | null = null
  if (source === null) {
    finish()
    await response.body?.cancel().catch(() => {})
  } else {
    const reader = source.getReader()
    body = new ReadableStream<Uint8Array>(
      {
        async pull(stream) {
          if (idleTimeoutMs !== undefined)
            idle = timeout(idleTimeoutMs, `went quiet for ${idleTimeoutMs} ms in the middle of its answer`)
          try {
            const { done, value } = await reader.read()
            clearTimeout(idle)
            if (done) {
              finish()
              stream.close()
            } else stream.enqueue(value)
          } catch (error) {
            finish()
            stream.error(failure(error))
          }
        },
        cancel(reason) {
          finish()
          return reader.cancel(reason)
        },
      },
      { highWaterMark: 0 },
    )
  }
  const answer = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
  })
  Object.defineProperty(answer, 'url', { value: target.url.href })
  return answer
}

function agentFor(allowPrivate: boolean): Agent {
  if (allowPrivate) {
    devnetAgent ??= new Agent()
    return devnetAgent
  }
  publicAgent ??= new Agent({ connect: { lookup: publicOnlyLookup } })
  return publicAgent
}

function checkMilliseconds(name: string, value: number) {
  if (!(Number.isFinite(value) && value > 0 && value < 2 ** 31))
    throw new TypeError(
      `peerFetch: ${name} must be a number of milliseconds above 0 and below 2^31, not ${value}`,
    )
}

/** The URL without its userinfo (sent as Basic authorization instead), refused early when it cannot be a peer. */
function parsePeerUrl(url: string | URL, allowPrivate: boolean) {
  const masked = maskUrlPassword(url)
  const refuse = (why: string, cause?: unknown) =>
    new PeerError(`Refused to call ${masked}: ${why}`, { code: 'peer_refused_address', url: masked, cause })
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (cause) {
    throw refuse('it is not a URL; a peer endpoint looks like https://host:port', cause)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw refuse(`peers are called over http or https, not ${parsed.protocol.slice(0, -1)}`)
  // A literal IP connects without a lookup, so it is checked here; hostnames are checked as they connect.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host))
    throw refuse(`${host} is a private, loopback or link-local address; peers must be on the public internet`)
  let authorization: string | undefined
  if (parsed.username || parsed.password) {
    const userinfo = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
    authorization = `Basic ${Buffer.from(userinfo).toString('base64')}`
    parsed.username = ''
    parsed.password = ''
  }
  return { url: parsed, masked, authorization }
}

/** Whether the connection was reset or closed under the request (a stale kept-alive socket, typically). */
function isConnectionReset(error: unknown): boolean {
  for (let link = error; link instanceof Error; link = link.cause) {
    const code = (link as { code?: unknown }).code
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true
  }
  return false
}

/** A low-level failure (undici, DNS, sockets) as a PeerError, sorted by whether a retry may help. */
function classify(error: unknown, url: string): PeerError {
  const codes: string[] = []
  for (let link = error; link instanceof Error; link = link.cause) {
    if (link instanceof PeerError)
      return new PeerError(`Refused to call ${url}: ${link.message}`, { code: link.code, url, cause: link })
    const code = (link as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  const detail = codes[codes.length - 1] ?? (error instanceof Error ? error.message : String(error))
  const timedOut = codes.some((code) => /TIMEOUT|ETIMEDOUT/.test(code))
  const malformed = codes.some(
    (code) =>
      code.startsWith('HPE_') ||
      code === 'UND_ERR_HEADERS_OVERFLOW' ||
      code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
      code === 'UND_ERR_INFO',
  )
  const [code, what]: [PeerErrorCode, string] = timedOut
    ? ['peer_timeout', 'did not answer in time']
    : malformed
      ? ['peer_bad_response', 'sent a malformed HTTP answer']
      : ['peer_unreachable', 'could not be reached']
  return new PeerError(`The peer at ${url} ${what} (${detail}); try another peer`, {
    code,
    url,
    cause: error,
  })
}
