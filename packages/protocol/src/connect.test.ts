import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { connect } from './connect.js'

/**
 * A JSON-RPC endpoint on 127.0.0.1 that always answers `eth_chainId` and answers `eth_blockNumber`
 * with HTTP 503 `failures` times (one per request) before it answers.
 */
function startFlakyRpc(): Promise<{ url: string; server: Server; failNext: (count: number) => void }> {
  let failuresLeft = 0
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string }
      if (method === 'eth_blockNumber' && failuresLeft > 0) {
        failuresLeft -= 1
        response.writeHead(503).end('busy')
        return
      }
      const result = method === 'eth_chainId' ? '0x7a69' : '0x2a'
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ jsonrpc: '2.0', id, result }))
    })
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        failNext: (count) => {
          failuresLeft = count
        },
      })
    })
  })
}

describe('connect', () => {
  let rpc: Awaited<ReturnType<typeof startFlakyRpc>>
  before(async () => {
    rpc = await startFlakyRpc()
  })
  after(() => {
    rpc.server.close()
  })

  test('a chain on this machine gets a 60 s timeout and five retries', async () => {
    const { publicClient, chain } = await connect({ rpcUrl: rpc.url })
    assert.equal(chain.id, 31337)
    assert.equal(publicClient.transport.timeout, 60_000)
    assert.equal(publicClient.transport.retryCount, 5)
    assert.equal(publicClient.transport.retryDelay, 250)
  })

  test('a local request that fails four times in a row is retried until it succeeds', async () => {
    const { publicClient } = await connect({ rpcUrl: rpc.url })
    // viem's default (three retries) gives up after the fourth failure; the local options do not.
    rpc.failNext(4)
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), 42n)
  })

  test('no chain at the address fails at once with an error that says so', async () => {
    const closed = await startFlakyRpc()
    closed.server.close()
    await new Promise((resolve) => closed.server.once('close', resolve))
    const started = Date.now()
    await assert.rejects(connect({ rpcUrl: closed.url }), {
      name: 'InferMeshProtocolError',
      message: `No EVM node answered at ${closed.url}: is the chain running?`,
    })
    assert.ok(Date.now() - started < 5_000, 'a refused connection is not retried')
  })
})
