import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { GatewayStore } from '@infermesh/gateway'
import { CliError } from '../CliError.js'

/** The only addresses the admin route may listen on: this machine's loopback, IPv4 or IPv6. */
export const loopbackHosts = ['127.0.0.1', '::1'] as const

export type KeysAdmin = {
  /** `http://127.0.0.1:PORT` (`http://[::1]:PORT` on IPv6) */
  url: string
  /** The bearer token the route wants; written to the database's lock file (owner-only). */
  token: string
  close: () => Promise<void>
}

/** What `POST /keys` takes: a name, and optionally a spending limit in MESH wei (decimal string). */
export type CreateKeyRequest = { name: string; spendLimit?: string }

async function readJson(request: IncomingMessage, limit = 16_384): Promise<unknown> {
  let text = ''
  for await (const chunk of request) {
    text += chunk
    if (text.length > limit) throw new Error('body too large')
  }
  return JSON.parse(text)
}

/**
 * The gateway's admin route for API keys, for `infermesh gateway start` on a PGlite database (which
 * only one process may open): `POST /keys` `{ name, spendLimit? }` → `201 { id, key }`. It listens on
 * loopback only (127.0.0.1, or ::1 when asked), on a free port, and refuses any other address: an
 * admin route is never reachable from another machine. It wants `Authorization: Bearer <token>`; the
 * URL and token are in the database's lock file, readable by its owner only, so whoever may read the
 * database may create keys, and nobody else.
 *
 * @throws CliError when `host` is not 127.0.0.1 or ::1 (nothing is bound).
 * @example
 * ```ts
 * const admin = await startKeysAdmin(running.store)
 * await lock.update({ holder: 'gateway', admin: { url: admin.url, token: admin.token } })
 * ```
 */
export async function startKeysAdmin(
  store: GatewayStore,
  options: { host?: string } = {},
): Promise<KeysAdmin> {
  const host = options.host ?? '127.0.0.1'
  if (!(loopbackHosts as readonly string[]).includes(host))
    throw new CliError(
      `the keys admin route listens on loopback only (127.0.0.1 or ::1), not on "${host}": API keys are created from this machine`,
    )
  const token = randomBytes(24).toString('base64url')
  const expected = Buffer.from(`Bearer ${token}`)
  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    try {
      const given = Buffer.from(request.headers.authorization ?? '')
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return reply(401, { error: { message: 'wrong or missing admin token' } })
      if (request.method !== 'POST' || request.url !== '/keys')
        return reply(404, { error: { message: `no route ${request.method} ${request.url}` } })
      const body = (await readJson(request)) as Partial<CreateKeyRequest>
      if (typeof body.name !== 'string' || body.name === '')
        return reply(400, { error: { message: '`name` must be a non-empty string' } })
      if (body.spendLimit !== undefined && !/^\d+$/.test(String(body.spendLimit)))
        return reply(400, { error: { message: '`spendLimit` must be a decimal string of MESH wei' } })
      const created = await store.createApiKey(
        body.name,
        body.spendLimit === undefined ? undefined : BigInt(body.spendLimit),
      )
      return reply(201, created)
    } catch (error) {
      return reply(500, { error: { message: (error as Error).message } })
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
