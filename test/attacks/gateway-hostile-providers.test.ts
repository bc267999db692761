import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { after, before, describe, it } from 'node:test'
import { providerClient } from '@infermesh/client'
import { gatewayConfigSchema, type RunningGateway, startGateway } from '@infermesh/gateway'
import {
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashRequest,
  hashResponse,
  receiptHeader,
  signReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import pino from 'pino'
import { type Address, type LocalAccount, parseEther, zeroHash } from 'viem'
import { devAccount, type NetworkFixture, startNetwork } from '../support/networkFixture.js'
import { registerHostileProvider } from '../support/registerHostileProvider.js'

// Hostile providers against a real gateway: anvil with the contracts, two honest llama providers
// (the fixture), and providers registered on-chain here whose endpoints are node:http servers that
// misbehave on purpose. Every attack is made as a customer would make it, through the gateway's API.

const secret = 'SECRET-7f3a'
const sixteenMiB = 16 * 1024 * 1024

type Hostile = {
  address: Address
  url: string
  /** POSTs received (inference requests); GETs are discovery's probes. */
  posts: number
  server: Server
}

/** A server that answers discovery like a provider serving `tiny`, and inference with `answer`. */
async function startHostile(
  modelId: string,
  answer: (request: IncomingMessage, response: ServerResponse, body: Record<string, unknown>) => void,
): Promise<Omit<Hostile, 'address'>> {
  const hostile = { posts: 0 } as Omit<Hostile, 'address'>
  const server = createServer((request, response) => {
    response.on('error', () => {})
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ object: 'list', data: [{ id: 'tiny', object: 'model', infermesh: { modelId } }] }),
      )
      return
    }
    hostile.posts++
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {}
      answer(request, response, body)
    })
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  hostile.server = server
  hostile.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return hostile
}

/** Answers with `secret` in the body: an error with status `user`, plain text (`text`), or a 200 without receipt (`ok`). */
function leakSecret(_request: IncomingMessage, response: ServerResponse, body: Record<string, unknown>) {
  const mode = String(body.user)
  if (mode === 'text') {
    response.writeHead(500, { 'content-type': 'text/plain' })
    response.end(`upstream said ${secret}`)
  } else if (mode === 'ok') {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({ choices: [{ message: { role: 'assistant', content: `unreceipted ${secret}` } }] }),
    )
  } else {
    response.writeHead(Number(mode), { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({
        error: {
          message: `db password ${secret}`,
          code: mode === '403' ? `bad code ${secret}` : 'upstream_broke',
        },
      }),
    )
  }
}

/**
 * Answers a chat like an honest provider with a correctly signed receipt (one token in, one out, at its
 * offer), except that the receipt's `servedAt` is `body.user` seconds off this machine's clock.
 */
function answerWithClockOff(net: NetworkFixture, account: LocalAccount, price: bigint) {
  return (request: IncomingMessage, response: ServerResponse, body: Record<string, unknown>) => {
    void (async () => {
      const { voucher } = decodeSignedVoucher(String(request.headers[voucherHeader]))
      const cost = computeCost({
        inputTokens: 1n,
        outputTokens: 1n,
        pricePerMInput: price,
        pricePerMOutput: price,
      })
      const receipt = {
        requestHash: hashRequest('chat', body),
        responseHash: hashResponse('ok'),
        tokensHash: zeroHash,
        modelId: net.modelId,
        payer: voucher.payer,
        provider: account.address,
        inputTokens: 1n,
        outputTokens: 1n,
        servedAt: BigInt(Math.floor(Date.now() / 1000) + Number(body.user)),
        cost,
        cumulativeAmount: voucher.cumulativeAmount + cost,
      }
      const signature = await signReceipt({
        account,
        chainId: net.deployment.chainId,
        payments: net.deployment.contracts.payments,
        receipt,
      })
      response.writeHead(200, {
        'content-type': 'application/json',
        [receiptHeader]: encodeSignedReceipt({ receipt, signature }),
      })
      response.end(
        JSON.stringify({
          id: 'chatcmpl-clock',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'tiny',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      )
    })()
  }
}

/** Waits until the gateway at `url` lists `count` providers of `tiny`. */
async function waitForProviders(url: string, apiKey: string, count: number) {
  let providers = 0
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    const response = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } })
    const models = (await response.json()) as { data: { id: string; infermesh: { providers: number } }[] }
    providers = models.data.find((model) => model.id === 'tiny')?.infermesh.providers ?? 0
    if (providers >= count) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`the gateway lists ${providers} providers of tiny after a minute, not ${count}`)
}

describe('a gateway facing hostile providers (real chain, real honest providers, hostile HTTP servers)', () => {
  let net: NetworkFixture
  let internal: Server
  let internalUrl: string
  let internalHits = 0
  const hostiles: Record<
    'redirect' | 'secret' | 'secret2' | 'stream' | 'refuser' | 'clock' | 'excuser',
    Hostile
  > = {} as never
  let honest: Address[]

  const chat = (body: Record<string, unknown>, url = net.gateway.url, apiKey = net.apiKey) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tiny',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 4,
        ...body,
      }),
    })
  /** What discovery thinks of the honest providers, for failure messages. */
  const honestState = async () => {
    const probes = await Promise.all(
      net.providers.map((provider) =>
        providerClient({ allowPrivate: true })
          .models({ endpoint: provider.running.url, deadlineMs: 3000 })
          .then(
            (models) => models.length,
            (error: Error) => error.message,
          ),
      ),
    )
    return JSON.stringify({
      probes,
      discovery: net.gateway.discovery
        .providers()
        .filter((provider) => honest.includes(provider.address))
        .map((provider) => ({ address: provider.address, healthy: provider.healthy })),
    })
  }
  const lastUsageProvider = async () => {
    const response = await fetch(`${net.gateway.url}/v1/usage`, {
      headers: { authorization: `Bearer ${net.apiKey}` },
    })
    return ((await response.json()) as { records: { provider: string }[] }).records[0]?.provider
  }

  before(async () => {
    // A suspension outlasts the file: (d) checks that a suspended provider is skipped, and on a loaded
    // machine five requests once took longer than the fixture's 5 s suspension.
    net = await startNetwork({ providers: 2, sampling: 0, suspendMs: 600_000 })
    honest = net.providers.map((provider) => provider.account.address)
    internal = createServer((request, response) => {
      internalHits++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ internal: true, path: request.url, AccessKeyId: `ASIA-${secret}` }))
    })
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve))
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`

    const servers = {
      // 302 (or 307 when `user` says so) to the internal server, as an SSRF with read-back would.
      redirect: await startHostile(net.modelId, (_request, response, body) => {
        response.writeHead(body.user === '307' ? 307 : 302, {
          location: `${internalUrl}/latest/meta-data/iam/security-credentials/gateway-role`,
        })
        response.end()
      }),
      // Error bodies with a secret, and a 200 with the secret and no receipt; `user` picks which. Two
      // of them, as three failures in a row suspend a provider.
      secret: await startHostile(net.modelId, leakSecret),
      secret2: await startHostile(net.modelId, leakSecret),
      // 16 MiB of one event that never ends (no blank line), whatever was asked.
      stream: await startHostile(net.modelId, (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write('data: ')
        const chunk = Buffer.alloc(64 * 1024, 'a')
        let sent = 0
        const pump = () => {
          while (sent < sixteenMiB && !response.destroyed) {
            sent += chunk.length
            if (!response.write(chunk)) {
              response.once('drain', pump)
              return
            }
          }
          response.end()
        }
        pump()
      }),
      // 400 to everything.
      refuser: await startHostile(net.modelId, (_request, response) => {
        response.writeHead(400, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ error: { message: 'Invalid request.', code: 'invalid_request' } }))
      }),
      // Signed receipts whose servedAt is `user` seconds off the clock (registered sixth: devAccount(15)).
      clock: await startHostile(net.modelId, answerWithClockOff(net, devAccount(15), parseEther('1'))),
      // 400 unsupported_parameter naming `messages` to everything: a parameter every provider honours.
      excuser: await startHostile(net.modelId, (_request, response) => {
        response.writeHead(400, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            error: { message: 'Not supported.', code: 'unsupported_parameter', param: 'messages' },
          }),
        )
      }),
    }
    let index = 10
    for (const [name, server] of Object.entries(servers)) {
      const account = devAccount(index++)
      await registerHostileProvider(net, account, server.url, {
        modelId: net.modelId,
        price: parseEther('1'),
      })
      hostiles[name as keyof typeof hostiles] = Object.assign(server, { address: account.address })
    }
    await waitForProviders(net.gateway.url, net.apiKey, 9)
  })
  after(async () => {
    for (const hostile of Object.values(hostiles)) hostile.server.close()
    internal?.close()
    await net?.close()
  })

  it('(a) never follows a provider’s 302 or 307: the internal server gets no request and the customer sees none of it', async () => {
    for (const user of ['302', '307']) {
      const response = await chat({ user, provider: { only: [hostiles.redirect.address] } })
      const text = await response.text()
      assert.equal(response.status, 502)
      assert.doesNotMatch(text, new RegExp(secret))
      assert.doesNotMatch(text, /meta-data/)
      assert.match(text, /answered with a redirect, which is never followed/)
    }
    assert.equal(internalHits, 0)
  })

  it('(b) never shows a provider’s error body or an answer without a receipt: 500, 401, 403, plain text, unreceipted 200', async () => {
    const cases = [
      ['500', hostiles.secret, 'answered 500 (upstream_broke)'],
      ['401', hostiles.secret, 'answered 401 (upstream_broke)'],
      ['text', hostiles.secret, 'answered 500'],
      ['403', hostiles.secret2, 'answered 403'],
      ['ok', hostiles.secret2, 'its answer had no valid receipt'],
    ] as const
    for (const [user, hostile, reason] of cases) {
      const response = await chat({ user, provider: { only: [hostile.address] } })
      const text = await response.text()
      assert.doesNotMatch(text, new RegExp(secret), `${user} leaked: ${text}`)
      assert.equal(response.status, 502, `${user}: ${text}`)
      assert.deepEqual(JSON.parse(text), {
        error: {
          message: `Every provider tried for 'tiny' failed (1 tried): ${hostile.address}: ${reason}.`,
          type: 'server_error',
          param: null,
          code: 'providers_unavailable',
        },
      })
    }
  })

  it('(c) cuts a 16 MiB stream without a blank line with a clear error, keeps answering /health, and serves the next request elsewhere', async () => {
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    let healthWorst = 0
    let healthChecks = 0
    let streaming = true
    const health = (async () => {
      while (streaming) {
        const started = performance.now()
        const response = await fetch(`${net.gateway.url}/health`)
        assert.equal(response.status, 200)
        await response.text()
        healthWorst = Math.max(healthWorst, performance.now() - started)
        healthChecks++
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const started = performance.now()
    const response = await chat({ stream: true, provider: { only: [hostiles.stream.address] } })
    const text = await response.text()
    const elapsed = performance.now() - started
    streaming = false
    await health
    loop.disable()
    assert.equal(response.status, 200)
    assert.doesNotMatch(text, /aaaa/, 'nothing of the unfinished event was relayed')
    const error = (
      JSON.parse(text.replace(/^data: /, '').trim()) as { error: { code: string; message: string } }
    ).error
    assert.equal(error.code, 'stream_interrupted')
    assert.equal(
      error.message,
      "The provider's stream broke off (one event of its stream grew past the size limit without ending); retry the request.",
    )
    assert.ok(healthChecks >= 1)
    console.log(
      `(c) 16 MiB event stream cut in ${elapsed.toFixed(0)} ms; /health answered ${healthChecks} times, slowest ${healthWorst.toFixed(0)} ms; longest event-loop stall ${(loop.max / 1e6).toFixed(0)} ms`,
    )

    // The same provider first again: the gateway reads at most 8 MiB of its answer, then an honest one serves.
    const next = await chat({
      provider: { order: [hostiles.stream.address], only: [hostiles.stream.address, ...honest] },
    })
    assert.equal(next.status, 200, `${await next.clone().text()} ${await honestState()}`)
    assert.ok(honest.includes((await lastUsageProvider()) as Address))
  })

  it('(d) fails over from a provider answering 400 to everything, then suspends it', async () => {
    const preferences = { order: [hostiles.refuser.address], only: [hostiles.refuser.address, ...honest] }
    const hits: number[] = []
    for (let i = 0; i < 5; i++) {
      const before = hostiles.refuser.posts
      const response = await chat({
        provider: preferences,
        messages: [{ role: 'user', content: `try ${i}` }],
      })
      assert.equal(response.status, 200, `${await response.clone().text()} ${await honestState()}`)
      assert.ok(honest.includes((await lastUsageProvider()) as Address), 'an honest provider served it')
      hits.push(hostiles.refuser.posts - before)
    }
    // failuresToSuspend is 3: the first three requests tried it first, the next ones skip it.
    assert.deepEqual(hits, [1, 1, 1, 0, 0])

    // Streamed requests are served too while it is suspended.
    const stream = await chat({
      stream: true,
      provider: { order: [hostiles.refuser.address], only: [hostiles.refuser.address, ...honest] },
    })
    assert.equal(stream.status, 200)
    assert.match(await stream.text(), /data: \[DONE\]/)
  })

  it('(d2) fails over from a provider that excuses every refusal as unsupported_parameter on `messages`, counting a failure', async () => {
    // Before issue 16 the gateway took that as the customer's doing: the customer got a 400 and the
    // provider no failure. The gateway checks bodies as providers do, so a parameter every provider
    // honours is no excuse: each request is served elsewhere, and judgeRefusal's only path to a failover
    // counts the provider's failure (how long it stays suspended is a matter of time, not checked here).
    const preferences = { order: [hostiles.excuser.address], only: [hostiles.excuser.address, ...honest] }
    const hits: number[] = []
    for (let i = 0; i < 3; i++) {
      const before = hostiles.excuser.posts
      const response = await chat({
        provider: preferences,
        messages: [{ role: 'user', content: `excuse ${i}` }],
      })
      assert.equal(response.status, 200, `${await response.clone().text()} ${await honestState()}`)
      assert.ok(honest.includes((await lastUsageProvider()) as Address), 'an honest provider served it')
      hits.push(hostiles.excuser.posts - before)
    }
    assert.deepEqual(hits, [1, 1, 1])
  })

  it('(e) percent-encoded paths still need an API key', async () => {
    const anonymous = [
      ['GET', '/%761/models'],
      ['GET', '/v%31/models'],
      ['GET', '/%76%31/usage'],
      ['POST', '/v%31/chat/completions'],
      ['POST', '/%761/embeddings'],
    ] as const
    for (const [method, path] of anonymous) {
      const response = await fetch(`${net.gateway.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' && {
          body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }] }),
        }),
      })
      assert.equal(response.status, 401, `${method} ${path}`)
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_api_key')
    }
    const keyed = await fetch(`${net.gateway.url}/%761/models`, {
      headers: { authorization: `Bearer ${net.apiKey}` },
    })
    assert.equal(keyed.status, 200)
  })

  it('(f) refuses a receipt served more than 300 s from its clock: no voucher signed for it, the request served elsewhere', async () => {
    const clock = hostiles.clock.address
    // On time, the same provider's receipt is accepted and billed: only servedAt differs below.
    const onTime = await chat({ user: '0', provider: { only: [clock] } })
    assert.equal(onTime.status, 200, await onTime.clone().text())
    assert.equal(await lastUsageProvider(), clock)
    const billed = await net.gateway.ledger.billed(clock, net.modelId)
    assert.equal(
      billed,
      computeCost({
        inputTokens: 1n,
        outputTokens: 1n,
        pricePerMInput: parseEther('1'),
        pricePerMOutput: parseEther('1'),
      }),
    )
    for (const skew of ['-600', '600']) {
      const refused = await chat({ user: skew, provider: { only: [clock] } })
      assert.equal(refused.status, 502)
      assert.deepEqual(await refused.json(), {
        error: {
          message: `Every provider tried for 'tiny' failed (1 tried): ${clock}: its answer had no valid receipt.`,
          type: 'server_error',
          param: null,
          code: 'providers_unavailable',
        },
      })
    }
    assert.equal(await net.gateway.ledger.billed(clock, net.modelId), billed, 'nothing billed for them')
    // Tried first among honest providers, it is passed over and an honest one serves.
    const served = await chat({ user: '-600', provider: { order: [clock], only: [clock, ...honest] } })
    assert.equal(served.status, 200, `${await served.clone().text()} ${await honestState()}`)
    assert.ok(honest.includes((await lastUsageProvider()) as Address))
    assert.equal(await net.gateway.ledger.billed(clock, net.modelId), billed)
  })

  // Last: a second gateway in this process stalls the event loop while its PGlite starts, long enough
  // for the first gateway's health probes to time out.
  it('(a) refuses providers at private addresses when allowPrivatePeers is false: no inference request reaches them', async () => {
    const config = gatewayConfigSchema.parse({
      chain: { rpcUrl: net.anvil.rpcUrl, contracts: net.deployment.contracts },
      server: { port: 0 },
      database: { dir: join(net.dir, 'strict-gateway') },
      discovery: { refreshMs: 2_000, probeMs: 500 },
      sampling: { probability: 0 },
    })
    assert.equal(config.allowPrivatePeers, false)
    const strict: RunningGateway = await startGateway({
      config,
      account: net.payer,
      logger: pino({ level: 'silent' }),
    })
    try {
      const { key } = await strict.store.createApiKey('strict')
      const before = Object.values(hostiles).map((hostile) => hostile.posts)
      for (const only of [[hostiles.secret.address], undefined]) {
        const response = await chat({ user: 'ok', ...(only && { provider: { only } }) }, strict.url, key)
        const text = await response.text()
        // Discovery does not probe private endpoints either (404: no provider known to offer it), or
        // the gateway refuses to call them (502).
        assert.ok([404, 502, 503].includes(response.status), `status ${response.status}: ${text}`)
        assert.doesNotMatch(text, new RegExp(secret))
        if (response.status === 502) assert.match(text, /not a public address/)
      }
      assert.deepEqual(
        Object.values(hostiles).map((hostile) => hostile.posts),
        before,
      )
    } finally {
      await strict.close()
    }
  })
})
