import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { type DevChain, meshTokenAbi, registryAbi, startDevChain } from '@infermesh/protocol'
import { type Hex, keccak256, parseEther, stringToHex } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { createIndexer } from '../indexer/createIndexer.js'
import { createEventHandlers } from '../indexer/eventHandlers.js'
import { createProbes } from './createProbes.js'

const modelId = keccak256(stringToHex('model'))
const honestMetrics = [
  '# TYPE infermesh_provider_requests_total counter',
  'infermesh_provider_requests_total{route="/v1/chat/completions",model="tiny",status="200"} 7',
  'infermesh_provider_requests_total{route="/v1/chat/completions",model="tiny",status="500"} 2',
  'infermesh_provider_tokens_in_total{model="tiny"} 120',
  'infermesh_provider_tokens_out_total{model="tiny"} 64',
].join('\n')

/** Writes `total` bytes of `chunk`s as fast as the client reads them; resolves what was written before it hung up. */
function writeHuge(response: ServerResponse, chunk: string, total: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0
    response.on('close', () => resolve(written))
    const pump = () => {
      while (written < total && !response.destroyed) {
        written += chunk.length
        if (!response.write(chunk)) return void response.once('drain', pump)
      }
      if (!response.destroyed) response.end()
    }
    pump()
  })
}

type Traces = { hits: number; hugeWritten: Promise<number>[]; endlessClosed: Promise<void>[] }

/**
 * Providers whose endpoint is this server, under a path per behaviour (`/honest`, `/redirect`, …), each
 * registered in the Registry like any provider. `internal` is a server of the explorer's own network.
 */
function hostileProviderServer(internal: () => string, traces: Traces): Server {
  const open = new Set<ServerResponse>()
  const server = createServer((request, response) => {
    traces.hits++
    open.add(response)
    response.on('close', () => open.delete(response))
    const [, behaviour, route] = (request.url ?? '').split('/')
    const text = (body: string) => response.writeHead(200, { 'content-type': 'text/plain' }).end(body)
    if (route === 'health') {
      if (behaviour === 'redirect') {
        response.writeHead(302, { location: `${internal()}/health` })
        return response.end()
      }
      if (behaviour === 'silent') return // never answers
      return text('{"status":"ok"}')
    }
    if (route !== 'metrics') return response.writeHead(404).end()
    if (behaviour === 'huge') {
      // 50 MB of Prometheus text, chunked: no Content-Length to refuse it by.
      response.writeHead(200, { 'content-type': 'text/plain' })
      const line = `infermesh_provider_requests_total{status="200"} 1\n`
      traces.hugeWritten.push(writeHuge(response, line.repeat(Math.floor(65_536 / line.length)), 50_000_000))
      return
    }
    if (behaviour === 'endless') {
      // Headers and a line at once, then a byte now and then, forever.
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.write(`${honestMetrics}\n`)
      const timer = setInterval(() => response.write('#'), 100)
      traces.endlessClosed.push(new Promise((resolve) => response.on('close', () => resolve())))
      response.on('close', () => clearInterval(timer))
      return
    }
    if (behaviour === 'bogus')
      // Counters the `probes` columns (bigint) cannot hold: they must not stop the round.
      return text(
        'infermesh_provider_requests_total{status="200"} 1e300\ninfermesh_provider_tokens_in_total 1.5\n',
      )
    return text(honestMetrics)
  })
  server.on('close', () => {
    for (const response of open) response.destroy()
  })
  return server
}

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('the explorer probing hostile providers', () => {
  let chain: DevChain
  let db: Database
  let server: Server
  let internal: Server
  let base: string
  let internalUrl: string
  let internalHits = 0
  const traces: Traces = { hits: 0, hugeWritten: [], endlessClosed: [] }
  const providers = { honest: 1, redirect: 2, huge: 3, endless: 4, bogus: 5, silent: 6 } as const
  type Behaviour = keyof typeof providers
  const addresses = new Map<Behaviour, string>()

  /** The newest probe of each provider, by behaviour. */
  const latest = async () => {
    const rows = await db.query<{
      provider: string
      ok: boolean
      requests: string | null
      tokens_in: string | null
      tokens_out: string | null
    }>(
      `select distinct on (provider) provider, ok, requests::text, tokens_in::text, tokens_out::text
       from probes order by provider, at desc`,
    )
    const byAddress = new Map(rows.map((row) => [row.provider, row]))
    return Object.fromEntries(
      (Object.keys(providers) as Behaviour[]).map((behaviour) => {
        const row = byAddress.get(addresses.get(behaviour) as string)
        return [behaviour, row && { ok: row.ok, counters: [row.requests, row.tokens_in, row.tokens_out] }]
      }),
    ) as Record<Behaviour, { ok: boolean; counters: (string | null)[] } | undefined>
  }

  before(async () => {
    chain = await startDevChain()
    internal = createServer((_request, response) => {
      internalHits++
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    })
    internalUrl = await listen(internal)
    server = hostileProviderServer(() => internalUrl, traces)
    base = await listen(server)
    const { token, registry } = chain.deployment.contracts
    for (const [behaviour, index] of Object.entries(providers) as [Behaviour, number][]) {
      const account = chain.account(index)
      addresses.set(behaviour, account.address.toLowerCase())
      const amount = parseEther('1500')
      await chain.mint(account.address, amount)
      await chain.send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, amount],
      })
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'stake',
        args: [amount],
      })
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerProvider',
        args: [
          `${base}/${behaviour}`,
          'eu-west',
          { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 8, ramMb: 65536 },
          [{ modelId: modelId as Hex, pricePerMInput: 1n, pricePerMOutput: 2n }],
        ],
      })
    }
    db = await openDatabase()
    await migrateExplorerDatabase(db)
    await createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: createEventHandlers(chain.deployment.contracts),
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 1000,
      pollMs: 50,
      log: { info: () => {}, warn: () => {} },
    }).syncOnce()
  })
  after(async () => {
    await db?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await new Promise((resolve) => internal?.close(resolve))
    await chain?.stop()
  })

  it('calls no provider on a loopback address without allowPrivatePeers', async () => {
    await createProbes({ db, intervalMs: 60_000, timeoutMs: 2000, log: { warn: () => {} } }).runOnce()
    assert.equal(traces.hits, 0, 'no request reached the providers')
    const probes = await latest()
    for (const behaviour of Object.keys(providers) as Behaviour[])
      assert.deepEqual(probes[behaviour], { ok: false, counters: [null, null, null] }, behaviour)
  })

  it('never follows a redirect to an internal server, ignores a 50 MB /metrics, a never-ending one and counters out of range, and still stores the honest provider', async (t) => {
    const warnings: object[] = []
    const started = performance.now()
    await createProbes({
      db,
      intervalMs: 60_000,
      timeoutMs: 2000,
      // Every server of this test listens on 127.0.0.1, as on a devnet.
      allowPrivatePeers: true,
      log: { warn: (obj) => warnings.push(obj) },
    }).runOnce()
    const elapsed = performance.now() - started
    const probes = await latest()
    assert.deepEqual(probes.honest, { ok: true, counters: ['7', '120', '64'] })
    assert.deepEqual(probes.redirect, { ok: false, counters: [null, null, null] })
    assert.equal(internalHits, 0, 'the internal server was never called')
    // /health answered: the provider is up; its counters are unknown.
    assert.deepEqual(probes.huge, { ok: true, counters: [null, null, null] })
    assert.deepEqual(probes.endless, { ok: true, counters: [null, null, null] })
    assert.deepEqual(probes.bogus, { ok: true, counters: [null, null, null] })
    assert.deepEqual(probes.silent, { ok: false, counters: [null, null, null] })
    assert.deepEqual(warnings, [])
    const [written] = await Promise.all(traces.hugeWritten)
    assert.ok(
      written !== undefined && written < 20_000_000,
      `the explorer hung up after ${written} of 50,000,000 bytes`,
    )
    // The explorer hung up on the never-ending /metrics.
    assert.equal(traces.endlessClosed.length, 1)
    await Promise.all(traces.endlessClosed)
    t.diagnostic(
      `round: ${Math.round(elapsed)} ms; the 50 MB /metrics was cut after ${written} bytes written`,
    )
  })
})
