import assert from 'node:assert/strict'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { PeerError } from './PeerError.js'
import { peerFetch } from './peerFetch.js'
import { readBoundedBody } from './readBoundedBody.js'

const servers: Server[] = []
after(() => {
  for (const server of servers) server.closeAllConnections()
  for (const server of servers) server.close()
})

async function serve(handler: RequestListener) {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const devnet = { allowPrivate: true, deadlineMs: 5_000 }

describe('readBoundedBody', () => {
  it('reads a body within the limit whole, chunk after chunk', async () => {
    const url = await serve((_request, response) => {
      response.write('a'.repeat(40_000))
      setTimeout(() => response.end('b'.repeat(40_000)), 20)
    })
    const bytes = await readBoundedBody(await peerFetch(url, devnet), { maxBytes: 80_000 })
    assert.equal(bytes.byteLength, 80_000)
    assert.equal(new TextDecoder().decode(bytes), 'a'.repeat(40_000) + 'b'.repeat(40_000))
  })

  it('cancels an endless body as soon as it passes maxBytes, dropping the connection', async () => {
    let sent = 0
    let closed = false
    const url = await serve((_request, response) => {
      response.on('close', () => {
        closed = true
      })
      const timer = setInterval(() => {
        sent += 16 * 1024
        response.write(Buffer.alloc(16 * 1024, 120))
      }, 5)
      response.on('close', () => clearInterval(timer))
    })
    const error = await readBoundedBody(await peerFetch(`${url}/big`, devnet), { maxBytes: 100_000 }).catch(
      (error) => error,
    )
    assert.ok(error instanceof PeerError)
    assert.equal(error.code, 'peer_too_large')
    assert.equal(error.retryable, false)
    assert.equal(
      error.message,
      `The peer at ${url}/big sent a body of more than 100000 bytes, more than the 100000 bytes allowed; it was cut off`,
    )
    const until = Date.now() + 30_000 // bounds a hang only
    while (!closed && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(closed, 'the peer kept its connection')
    assert.ok(sent < 1024 * 1024, `the peer got to send ${sent} bytes`)
  })

  it('refuses at once a body whose Content-Length is over the limit', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': 5_000_000 })
      response.write('x')
    })
    await assert.rejects(readBoundedBody(await peerFetch(url, devnet), { maxBytes: 1_000 }), {
      name: 'PeerError',
      code: 'peer_too_large',
      message: `The peer at ${url}/ sent a body of 5000000 bytes, more than the 1000 bytes allowed; it was cut off`,
    })
  })

  it('reads an empty body as no bytes', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(204)
      response.end()
    })
    assert.equal((await readBoundedBody(await peerFetch(url, devnet), { maxBytes: 10 })).byteLength, 0)
  })

  it('refuses a maxBytes that is not a whole number', async () => {
    await assert.rejects(readBoundedBody(new Response('x'), { maxBytes: Number.NaN }), {
      name: 'TypeError',
      message: 'readBoundedBody: maxBytes must be a whole number of bytes, not NaN',
    })
  })
})
