import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { PeerError } from './PeerError.js'
import { peerFetch } from './peerFetch.js'
import { readBoundedText } from './readBoundedText.js'

const servers: Server[] = []
after(() => {
  for (const server of servers) server.closeAllConnections()
  for (const server of servers) server.close()
})

/** A real HTTP server on 127.0.0.1 that counts the requests it gets. */
async function serve(handler: RequestListener) {
  const state = { hits: 0, url: '', port: 0 }
  const server = createServer((request, response) => {
    state.hits++
    handler(request, response)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  state.url = `http://127.0.0.1:${state.port}`
  return state
}

const devnet = { allowPrivate: true, deadlineMs: 5_000 }

/** Asserts that a promise rejects with a PeerError of this code, and returns it. */
async function peerError(promise: Promise<unknown>, code: PeerError['code']): Promise<PeerError> {
  const error = await promise.then(
    () => assert.fail(`expected a ${code} PeerError, but the call succeeded`),
    (error: unknown) => error,
  )
  assert.ok(error instanceof PeerError, `expected a PeerError, got ${error}`)
  assert.equal(error.name, 'PeerError')
  assert.equal(error.code, code, error.message)
  return error
}

describe('peerFetch', () => {
  it('returns the answer of a loopback peer when allowPrivate is set (the devnet)', async () => {
    const peer = await serve((request, response) => response.end(`hello ${request.method} ${request.url}`))
    const response = await peerFetch(`${peer.url}/health?x=1`, devnet)
    assert.equal(response.status, 200)
    assert.equal(response.url, `${peer.url}/health?x=1`)
    assert.equal(await readBoundedText(response, { maxBytes: 100 }), 'hello GET /health?x=1')
  })

  it('sends the method, headers and body it is given', async () => {
    const peer = await serve((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => response.end(`${request.method} ${request.headers['content-type']} ${body}`))
    })
    const response = await peerFetch(`${peer.url}/v1/chat/completions`, {
      ...devnet,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    assert.equal(await response.text(), 'POST application/json {"a":1}')
  })

  for (const status of [301, 302, 307]) {
    it(`refuses a ${status} redirect and does not follow it`, async () => {
      const target = await serve((_request, response) => response.end('secret'))
      const peer = await serve((_request, response) => {
        response.writeHead(status, { location: `${target.url}/latest/meta-data` })
        response.end()
      })
      const error = await peerError(peerFetch(`${peer.url}/v1/models`, devnet), 'peer_redirect')
      assert.equal(
        error.message,
        `The peer at ${peer.url}/v1/models answered ${status} pointing to "${target.url}/latest/meta-data"; peers are never followed to another address, so call the address it registered`,
      )
      assert.equal(error.retryable, false)
      assert.equal(peer.hits, 1)
      assert.equal(target.hits, 0)
    })
  }

  it('refuses loopback without allowPrivate, before sending anything', async () => {
    const peer = await serve((_request, response) => response.end('ok'))
    const error = await peerError(peerFetch(`${peer.url}/`, { deadlineMs: 5_000 }), 'peer_refused_address')
    assert.equal(
      error.message,
      `Refused to call ${peer.url}/: 127.0.0.1 is a private, loopback or link-local address; peers must be on the public internet`,
    )
    assert.equal(error.retryable, false)
    assert.equal(peer.hits, 0)
  })

  it('refuses a hostname that resolves to a loopback address, checked as the socket connects', async () => {
    const peer = await serve((_request, response) => response.end('ok'))
    const error = await peerError(
      peerFetch(`http://localhost:${peer.port}/`, { deadlineMs: 5_000 }),
      'peer_refused_address',
    )
    assert.match(
      error.message,
      new RegExp(
        `^Refused to call http://localhost:${peer.port}/: localhost resolves to (127\\.0\\.0\\.1|::1), a private, loopback or link-local address; peers must be on the public internet$`,
      ),
    )
    // The refusal came from the lookup the socket itself used (there is no other), so the address
    // checked is the address connected to: DNS rebinding has no window between the two.
    assert.ok(error.cause instanceof PeerError)
    assert.equal(error.cause.url, 'localhost')
    assert.equal(peer.hits, 0)
  })

  it('refuses IPv4-mapped IPv6 loopback, the metadata services and private ranges', async () => {
    const peer = await serve((_request, response) => response.end('ok'))
    for (const [url, host] of [
      [`http://[::ffff:127.0.0.1]:${peer.port}/`, '::ffff:7f00:1'],
      [`http://[::1]:${peer.port}/`, '::1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254'],
      ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
      ['http://10.1.2.3:8080/', '10.1.2.3'],
      ['http://0.0.0.0/', '0.0.0.0'],
      ['http://100.64.0.1/', '100.64.0.1'],
      ['http://2130706433/', '127.0.0.1'],
    ]) {
      const error = await peerError(peerFetch(url as string, { deadlineMs: 5_000 }), 'peer_refused_address')
      assert.ok(
        error.message.includes(`: ${host} is a private, loopback or link-local address;`),
        error.message,
      )
    }
    assert.equal(peer.hits, 0)
  })

  it('refuses schemes other than http and https, and text that is not a URL', async () => {
    for (const [url, message] of [
      [
        'file:///etc/passwd',
        'Refused to call file:///etc/passwd: peers are called over http or https, not file',
      ],
      [
        'ftp://example.com/',
        'Refused to call ftp://example.com/: peers are called over http or https, not ftp',
      ],
      [
        'example.com:8080',
        'Refused to call example.com:8080: peers are called over http or https, not example.com',
      ],
      ['http://', 'Refused to call http://: it is not a URL; a peer endpoint looks like https://host:port'],
    ]) {
      const error = await peerError(peerFetch(url as string, devnet), 'peer_refused_address')
      assert.equal(error.message, message)
    }
  })

  it('masks the password of a URL in every error, and sends it as Basic authorization', async () => {
    const refused = await peerError(
      peerFetch('http://alice:s3cret@127.0.0.1:9/', { deadlineMs: 5_000 }),
      'peer_refused_address',
    )
    assert.equal(refused.url, 'http://alice:********@127.0.0.1:9/')
    assert.ok(
      !refused.message.includes('s3cret') && refused.message.includes('alice:********@'),
      refused.message,
    )

    const peer = await serve((request) => request.socket.setTimeout(0)) // never answers
    const slow = await peerError(
      peerFetch(`http://alice:s3cret@127.0.0.1:${peer.port}/`, { ...devnet, deadlineMs: 100 }),
      'peer_timeout',
    )
    assert.equal(
      slow.message,
      `The peer at http://alice:********@127.0.0.1:${peer.port}/ did not finish answering within 100 ms; it may be down or overloaded, try another peer`,
    )

    const echo = await serve((request, response) => response.end(request.headers.authorization))
    const response = await peerFetch(`http://alice:s3cret@127.0.0.1:${echo.port}/`, devnet)
    assert.equal(await response.text(), `Basic ${Buffer.from('alice:s3cret').toString('base64')}`)
  })

  it('sends a GET once more when the connection is reset under it, never a POST', async () => {
    // The peer drops the connection of every other request without answering, as a kept-alive
    // connection closed by the peer just as it is reused does.
    let calls = 0
    const flaky = await serve((_request, response) => {
      if (calls++ % 2 === 0) return void response.socket?.destroy()
      response.end('fresh')
    })
    const response = await peerFetch(`${flaky.url}/`, devnet)
    assert.equal(await response.text(), 'fresh')
    assert.equal(flaky.hits, 2, 'one reset, one answer')

    const post = await peerError(
      peerFetch(`${flaky.url}/`, { ...devnet, method: 'POST', body: 'x' }),
      'peer_unreachable',
    )
    assert.match(post.message, /could not be reached/)
    assert.equal(flaky.hits, 3, 'the POST was sent once')

    // A peer that resets every time gets two tries, then the error.
    const broken = await serve((_request, response) => void response.socket?.destroy())
    await peerError(peerFetch(`${broken.url}/`, devnet), 'peer_unreachable')
    assert.equal(broken.hits, 2)
  })

  it('times out on a peer that never answers, at the deadline or the first-byte timeout, and drops the connection', async () => {
    let closed = 0
    const peer = await serve((request) => request.socket.on('close', () => closed++))
    const started = performance.now()
    const error = await peerError(peerFetch(`${peer.url}/`, { ...devnet, deadlineMs: 200 }), 'peer_timeout')
    const elapsed = performance.now() - started
    assert.ok(elapsed >= 190, `took ${elapsed} ms`)
    assert.equal(error.retryable, true)

    const firstByte = await peerError(
      peerFetch(`${peer.url}/`, { ...devnet, deadlineMs: 5_000, firstByteTimeoutMs: 100 }),
      'peer_timeout',
    )
    assert.equal(
      firstByte.message,
      `The peer at ${peer.url}/ sent no answer within 100 ms; it may be down or overloaded, try another peer`,
    )
    await waitFor(() => closed === 2)
  })

  it('times out when the body goes quiet after the headers, and drops the connection', async () => {
    let closed = false
    const peer = await serve((_request, response) => {
      response.on('close', () => {
        closed = true
      })
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write('data: 1\n\n')
    })
    const response = await peerFetch(`${peer.url}/`, { ...devnet, idleTimeoutMs: 150 })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'data: 1\n\n')
    const error = await peerError(reader.read(), 'peer_timeout')
    assert.equal(
      error.message,
      `The peer at ${peer.url}/ went quiet for 150 ms in the middle of its answer; it may be down or overloaded, try another peer`,
    )
    await waitFor(() => closed)
  })

  it('holds the deadline over the whole body, even one that keeps trickling', async () => {
    const peer = await serve((_request, response) => {
      response.writeHead(200)
      const timer = setInterval(() => response.write('.'), 20)
      response.on('close', () => clearInterval(timer))
    })
    const response = await peerFetch(`${peer.url}/`, { ...devnet, deadlineMs: 300, idleTimeoutMs: 1_000 })
    const error = await peerError(readBoundedText(response, { maxBytes: 1_000_000 }), 'peer_timeout')
    assert.match(error.message, /did not finish answering within 300 ms/)
  })

  it('rejects with the caller’s reason when the caller aborts', async () => {
    const peer = await serve(() => {})
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('customer left')), 50)
    await assert.rejects(peerFetch(`${peer.url}/`, { ...devnet, signal: controller.signal }), {
      message: 'customer left',
    })
    await assert.rejects(peerFetch(`${peer.url}/`, { ...devnet, signal: AbortSignal.abort() }), {
      name: 'AbortError',
    })
  })

  it('leaves no listener on the caller’s signal once a call is over, however it ended', async () => {
    const shutdown = new AbortController()
    const ok = await serve((_request, response) => response.end('ok'))
    const silent = await serve(() => {})
    await (await peerFetch(ok.url, { ...devnet, signal: shutdown.signal })).text()
    await peerError(
      peerFetch(silent.url, { ...devnet, deadlineMs: 50, signal: shutdown.signal }),
      'peer_timeout',
    )
    await peerFetch(ok.url, { ...devnet, deadlineMs: 50, signal: shutdown.signal }) // body never read
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0)
  })

  it('lets the reader cancel the body while a read is waiting, without unhandled errors', async () => {
    const unhandled: unknown[] = []
    const record = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', record)
    let closed = false
    const peer = await serve((_request, response) => {
      response.on('close', () => {
        closed = true
      })
      response.writeHead(200)
      response.write('first')
    })
    const reader = ((await peerFetch(peer.url, devnet)).body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    const waiting = reader.read()
    await reader.cancel()
    assert.equal((await waiting).done, true)
    await waitFor(() => closed)
    process.off('unhandledRejection', record)
    assert.deepEqual(unhandled, [])
  })

  it('says a peer that refuses connections is unreachable, which is worth retrying elsewhere', async () => {
    const peer = await serve(() => {})
    const port = peer.port
    const server = servers.at(-1) as Server
    await new Promise((resolve) => server.close(resolve))
    const error = await peerError(peerFetch(`http://127.0.0.1:${port}/`, devnet), 'peer_unreachable')
    assert.equal(
      error.message,
      `The peer at http://127.0.0.1:${port}/ could not be reached (ECONNREFUSED); try another peer`,
    )
    assert.equal(error.retryable, true)
  })

  it('refuses bad timeouts with a clear message', async () => {
    await assert.rejects(peerFetch('http://127.0.0.1:9/', { ...devnet, deadlineMs: 0 }), {
      name: 'TypeError',
      message: 'peerFetch: deadlineMs must be a number of milliseconds above 0 and below 2^31, not 0',
    })
  })
})

async function waitFor(condition: () => boolean) {
  const until = Date.now() + 30_000 // bounds a hang only
  while (!condition()) {
    if (Date.now() > until) assert.fail('the peer never saw its connection dropped')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
