import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { createExplorerMetrics } from './createExplorerMetrics.js'
import { createExplorerServer } from './createExplorerServer.js'

type Change = { reason: string; block: string }

/** A GET with the path exactly as given (fetch would resolve `..` and `%2e%2e` before sending). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the explorer server, on its own', () => {
  let db: Database
  let dir: string
  let app: ReturnType<typeof createExplorerServer>
  let url: string
  let port: number
  const listeners = new Set<(change: Change) => void>()
  const metric = async (name: string) => {
    const text = await (await fetch(`${url}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    return line === undefined ? undefined : Number(line.split(' ')[1])
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-explorer-server-'))
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true })
    await mkdir(join(dir, 'dist-foo'))
    await writeFile(join(dir, 'dist', 'index.html'), '<div id="root"></div>')
    await writeFile(join(dir, 'dist', 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(dir, 'dist-foo', 'secret.txt'), 'the sibling directory')
    await writeFile(join(dir, 'secret.txt'), 'the parent directory')
    db = await openDatabase()
    await migrateExplorerDatabase(db)
    app = createExplorerServer({
      db,
      chainId: 31337,
      registry: '0x0000000000000000000000000000000000000001',
      metrics: createExplorerMetrics(),
      logger: false,
      status: () => ({ chainId: 31337, indexedBlock: '7', headBlock: '7', contracts: {} }),
      isReady: () => true,
      onlineWithinMs: 1000,
      referencePrices: {},
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      webDir: join(dir, 'dist'),
      maxStreams: 2,
      slowStreamMs: 300,
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    port = typeof address === 'object' && address ? address.port : 0
    url = `http://127.0.0.1:${port}`
  })
  after(async () => {
    app?.server.closeAllConnections()
    await app?.close()
    await db?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('serves the files of the web directory, and never one of a sibling directory sharing its prefix', async () => {
    const asset = await rawGet(port, '/assets/app.js')
    assert.deepEqual(asset, { status: 200, body: 'console.log(1)' })
    for (const path of [
      '/../dist-foo/secret.txt',
      '/%2e%2e/dist-foo/secret.txt',
      '/..%2fdist-foo%2fsecret.txt',
      '/%2e%2e%2f..%2fsecret.txt',
      '/../secret.txt',
    ]) {
      const answer = await rawGet(port, path)
      assert.deepEqual(answer, { status: 200, body: '<div id="root"></div>' }, `${path} is a page of the app`)
    }
  })

  it('refuses a live-update stream beyond the cap with 503 and an OpenAI-style error, and takes one again once a stream closes', async () => {
    const first = new AbortController()
    const second = new AbortController()
    const a = await fetch(`${url}/api/stream`, { signal: first.signal })
    const b = await fetch(`${url}/api/stream`, { signal: second.signal })
    assert.deepEqual([a.status, b.status], [200, 200])
    const refused = await fetch(`${url}/api/stream`)
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '10')
    assert.deepEqual(await refused.json(), {
      error: {
        message: 'Too many live-update streams are open (2): try again later, or read /api/status instead.',
        type: 'server_error',
        param: null,
        code: 'too_many_streams',
      },
    })
    assert.equal(await metric('infermesh_explorer_streams_refused_total'), 1)
    first.abort()
    await until('the aborted stream to close', 5000, async () =>
      (await metric('infermesh_explorer_streams_open')) === 1 ? true : undefined,
    )
    const again = new AbortController()
    const c = await fetch(`${url}/api/stream`, { signal: again.signal })
    assert.equal(c.status, 200)
    second.abort()
    again.abort()
    await until('all streams closed', 5000, async () =>
      (await metric('infermesh_explorer_streams_open')) === 0 ? true : undefined,
    )
  })

  it('closes the stream of a client that stops reading, and keeps sending to one that reads', async () => {
    // The slow client: asks for the stream, then never reads a byte.
    const slow = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()))
    slow.write('GET /api/stream HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
    slow.pause()
    // The reader: reads everything, and remembers the last update.
    const controller = new AbortController()
    const reading = await fetch(`${url}/api/stream`, { signal: controller.signal })
    const reader = (reading.body as ReadableStream<Uint8Array>).getReader()
    let tail = ''
    const read = (async () => {
      const decoder = new TextDecoder()
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
        if (done) return
        tail = (tail + decoder.decode(value)).slice(-4096)
      }
    })()
    await until('both streams open', 5000, async () =>
      (await metric('infermesh_explorer_streams_open')) === 2 ? true : undefined,
    )
    // Updates of 64 KB, until the slow client's socket buffers (a few MB) are full and it is closed.
    // While its socket is congested its updates are dropped, so each round adds at most one update.
    const block = 'x'.repeat(64 * 1024)
    let rounds = 0
    while ((await metric('infermesh_explorer_slow_streams_closed_total')) !== 1) {
      assert.ok(rounds < 2000, `the slow client was still open after ${rounds} updates of 64 KB`)
      for (const listener of listeners) listener({ reason: 'chain', block })
      rounds++
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    assert.equal(await metric('infermesh_explorer_streams_open'), 1, 'the reader is still open')
    for (const listener of listeners) listener({ reason: 'last', block: '42' })
    await until('the reader to get the last update', 10_000, async () =>
      tail.includes('event: update\ndata: {"reason":"last","block":"42"}\n\n') ? true : undefined,
    )
    controller.abort()
    await read
    slow.destroy()
  })
})
