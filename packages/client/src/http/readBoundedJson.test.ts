import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { peerFetch } from './peerFetch.js'
import { readBoundedJson } from './readBoundedJson.js'

const bodies: Record<string, string> = {
  '/ok': '{"data":[{"id":"m","nested":{"a":[1,2,"]]]]"]}}]}',
  '/deep': `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  '/broken': '{"data": [1, 2',
}
let server: Server
let url: string
after(() => {
  server.closeAllConnections()
  server.close()
})

const read = async (path: string, maxDepth = 8) =>
  readBoundedJson(await peerFetch(`${url}${path}`, { allowPrivate: true, deadlineMs: 5_000 }), {
    maxBytes: 1024 * 1024,
    maxDepth,
  })

describe('readBoundedJson', async () => {
  server = createServer((request, response) => response.end(bodies[request.url ?? '']))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  it('parses JSON within the limits', async () => {
    assert.deepEqual(await read('/ok'), { data: [{ id: 'm', nested: { a: [1, 2, ']]]]'] } }] })
  })

  it('refuses JSON nested deeper than maxDepth before parsing it', async () => {
    await assert.rejects(read('/deep'), {
      name: 'PeerError',
      code: 'peer_bad_response',
      message: `The peer at ${url}/deep sent JSON nested deeper than 8 levels`,
    })
    await assert.rejects(read('/ok', 4), { code: 'peer_bad_response' })
    assert.ok(await read('/ok', 5))
  })

  it('refuses a body that is not JSON', async () => {
    await assert.rejects(read('/broken'), (error: Error & { code: string }) => {
      assert.equal(error.code, 'peer_bad_response')
      assert.match(error.message, new RegExp(`^The peer at ${url}/broken sent a body that is not JSON: `))
      return true
    })
  })
})
