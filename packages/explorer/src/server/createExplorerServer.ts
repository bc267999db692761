import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { createDaemonApp } from '@infermesh/node'
import type { Database } from '@infermesh/node/database'
import type { FastifyBaseLogger } from 'fastify'
import type { Address } from 'viem'
import { ExplorerError } from '../errors.js'
import { updateProfile } from '../profile/updateProfile.js'
import { readDisputes } from '../queries/readDisputes.js'
import { readJobs } from '../queries/readJobs.js'
import { readModels } from '../queries/readModels.js'
import { readOverview } from '../queries/readOverview.js'
import { readProvider } from '../queries/readProvider.js'
import { readProviders } from '../queries/readProviders.js'
import { readValidators } from '../queries/readValidators.js'
import { readVerificationFees } from '../queries/readVerificationFees.js'
import { createEventStreams } from './createEventStreams.js'
import type { ExplorerMetrics } from './createExplorerMetrics.js'

export type ExplorerStatus = {
  chainId: number
  indexedBlock: string
  headBlock: string
  contracts: Record<string, string>
}

export type ExplorerServerOptions = {
  db: Database
  chainId: number
  /** The deployment's Registry: the profile signatures' EIP-712 `verifyingContract`. */
  registry: Address
  metrics: ExplorerMetrics
  logger: FastifyBaseLogger | boolean
  /** The indexer's position and the deployment, for `/api/status`. */
  status: () => ExplorerStatus
  isReady: () => boolean
  /** A provider counts as online when its newest probe succeeded at most this long ago. */
  onlineWithinMs: number
  /** The Uptime contract's floor at start (0..10,000): shown until a `FloorSet` event replaces it. */
  uptimeFloor?: number
  /** The reference cloud price table shipped in the repository. */
  referencePrices: unknown
  /** Registers a listener called on every change (new block indexed, new probe figures); returns its removal. */
  subscribe: (listener: (change: { reason: string; block: string }) => void) => () => void
  /** Called after an accepted write (a profile), so open pages update. */
  onWrite?: () => void
  /** The built web app (index.html and assets); API only when absent. */
  webDir?: string
  /** Live-update streams open at once (`/api/stream`); one more is answered 503. Default 256. */
  maxStreams?: number
  /** How long a stream's client may leave its socket buffer full before the stream is closed. Default 30 s. */
  slowStreamMs?: number
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

const profileRoute = /^\/api\/providers\/0x[0-9a-fA-F]{40}\/profile\/?$/

/**
 * The explorer's HTTP server, on the daemon kit's skeleton (`createDaemonApp`: bounded JSON, paths
 * normalized, /health, /ready (200 once the indexer caught up, with the indexer's position), /metrics,
 * the not-found handler and the error mapper): the read API (JSON under /api), live updates
 * (Server-Sent Events on /api/stream) and the web app. The one write is
 * `POST /api/providers/:address/profile`, signed by the provider (see `updateProfile`); any other
 * method than GET or HEAD anywhere is refused with 405.
 */
export function createExplorerServer(options: ExplorerServerOptions) {
  const { db, metrics } = options
  const app = createDaemonApp({
    name: 'explorer',
    logger: options.logger,
    bodyLimit: 16 * 1024,
    // The one body is a flat profile update.
    maxJsonDepth: 8,
    ErrorClass: ExplorerError,
    metrics,
    ready: () => ({ ready: options.isReady(), ...options.status() }),
  })
  const read = { onlineWithinMs: options.onlineWithinMs }
  const detail = {
    ...read,
    ...(options.uptimeFloor !== undefined && { uptimeFloor: options.uptimeFloor }),
  }

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? ''
    if (request.method === 'GET' || request.method === 'HEAD') return
    if (request.method === 'POST' && profileRoute.test(path)) return
    throw new ExplorerError(
      `${request.method} is not allowed on ${path}: the explorer is read-only (its one write is a provider's signed POST /api/providers/:address/profile).`,
      { status: 405, code: 'method_not_allowed', retryable: false },
    )
  })
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({ route: request.routeOptions.url ?? 'other', status: reply.statusCode })
  })

  app.get('/api/status', async () => options.status())
  app.get('/api/overview', async () => ({ ...(await readOverview(db, read)), status: options.status() }))
  app.get('/api/providers', async () => ({ providers: await readProviders(db, read) }))
  app.get<{ Params: { address: string } }>('/api/providers/:address', async (request) => {
    const provider = /^0x[0-9a-fA-F]{40}$/.test(request.params.address)
      ? await readProvider(db, request.params.address, detail)
      : undefined
    if (!provider)
      throw new ExplorerError(`No provider ${request.params.address} in the Registry.`, {
        status: 404,
        code: 'unknown_provider',
      })
    return provider
  })
  app.get('/api/models', async () => ({ models: await readModels(db) }))
  app.get('/api/validators', async () => {
    // Per validator inside `validators`; here the totals and the epochs' books.
    const { byValidator: _, ...fees } = await readVerificationFees(db)
    return { validators: await readValidators(db), fees }
  })
  app.get('/api/disputes', async () => readDisputes(db))
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/jobs', async (request) => {
    const { requester, provider, status, before, limit } = request.query
    const bad = (message: string) => new ExplorerError(message, { status: 400, code: 'invalid_request' })
    for (const [name, value] of Object.entries({ requester, provider }))
      if (value !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(value))
        throw bad(`${name} must be a 0x address.`)
    if (
      status !== undefined &&
      !['requested', 'assigned', 'delivered', 'settled', 'refunded'].includes(status)
    )
      throw bad('status must be requested, assigned, delivered, settled or refunded.')
    if (before !== undefined && !/^[1-9]\d{0,76}$/.test(before)) throw bad('before must be a job id.')
    if (limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit))
      throw bad('limit must be a number from 1 to 200.')
    return {
      jobs: await readJobs(db, {
        ...(requester && { requester }),
        ...(provider && { provider }),
        ...(status && { status }),
        ...(before && { before: BigInt(before) }),
        ...(limit && { limit: Number(limit) }),
      }),
    }
  })
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request) => {
    const [job] = /^[1-9]\d{0,76}$/.test(request.params.id)
      ? await readJobs(db, { id: BigInt(request.params.id), limit: 1 })
      : []
    if (!job)
      throw new ExplorerError(`No job ${request.params.id} on the JobCoordinator.`, {
        status: 404,
        code: 'unknown_job',
      })
    return job
  })
  app.get('/api/reference-prices', async () => options.referencePrices)
  app.post<{ Params: { address: string } }>('/api/providers/:address/profile', async (request) => {
    const updated = await updateProfile({
      db,
      chainId: options.chainId,
      registry: options.registry,
      address: request.params.address,
      body: request.body,
    })
    options.onWrite?.()
    return updated
  })

  const streams = createEventStreams({
    maxStreams: options.maxStreams ?? 256,
    slowClientMs: options.slowStreamMs ?? 30_000,
    heartbeatMs: 15_000,
    metrics,
    hello: options.status,
    subscribe: options.subscribe,
  })
  app.get('/api/stream', async (request, reply) => streams.serve(request, reply))

  const web = options.webDir && resolve(options.webDir)
  // The web app: any GET that no route above takes, outside /api/, is one of its files, or else one of
  // its pages (client-side routing: index.html). Everything else is the kit's 404.
  if (web)
    app.get('/*', async (request, reply) => {
      let path: string
      try {
        path = decodeURIComponent(request.url.split('?')[0] ?? '/')
      } catch {
        path = '/'
      }
      if (path.startsWith('/api/')) return reply.callNotFound()
      const file = resolve(join(web, path))
      // The separator matters: `…/dist-foo/x` starts with `…/dist` too.
      const inside = file.startsWith(web + sep) && (await stat(file).catch(() => undefined))?.isFile()
      const target = inside ? file : join(web, 'index.html')
      const body = await readFile(target).catch(() => undefined)
      if (!body) throw new ExplorerError('The web app is not built.', { status: 404, code: 'not_found' })
      reply.header('content-type', types[extname(target)] ?? 'application/octet-stream')
      if (target.startsWith(join(web, 'assets') + sep))
        reply.header('cache-control', 'public, max-age=31536000, immutable')
      return reply.send(body)
    })
  return app
}
