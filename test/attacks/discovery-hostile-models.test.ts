import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Address, Hex } from 'viem'
import { devAccount, type NetworkFixture, startNetwork } from '../support/networkFixture.js'
import { registerHostileProvider } from '../support/registerHostileProvider.js'

// Discovery poisoning and model-name hijack (audit §7, §11), made as attackers would: providers
// registered on-chain whose /v1/models answers are hostile, against a real gateway over a real chain
// and a real llama provider serving the registered model `tiny`. Every check goes through the
// gateway's API as a customer's request would, plus what its discovery says for failure messages.

const junk = `0x${'6a'.repeat(32)}` as Hex
const tenMiB = 10 * 1024 * 1024

type Hostile = { address: Address; url: string; server: Server; probes: number; posts: number }

/** A provider endpoint whose `GET /v1/models` is `models`, counting probes and inference requests. */
async function startHostile(models: (response: ServerResponse) => void): Promise<Omit<Hostile, 'address'>> {
  const hostile = { probes: 0, posts: 0 } as Omit<Hostile, 'address'>
  hostile.server = createServer((request: IncomingMessage, response: ServerResponse) => {
    response.on('error', () => {})
    request.resume()
    if (request.method === 'GET' && request.url === '/v1/models') {
      hostile.probes++
      models(response)
      return
    }
    if (request.method === 'POST') hostile.posts++
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({
        choices: [{ message: { role: 'assistant', content: 'not the model you asked for' } }],
      }),
    )
  })
  hostile.server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve) => hostile.server.listen(0, '127.0.0.1', resolve))
  hostile.url = `http://127.0.0.1:${(hostile.server.address() as AddressInfo).port}`
  return hostile
}

const answer = (body: unknown) => (response: ServerResponse) =>
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  for (const end = Date.now() + ms; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('discovery facing hostile /v1/models answers and a model-name hijack (real gateway, chain and provider)', () => {
  let net: NetworkFixture
  let internal: Server
  let internalHits = 0
  const hostiles = {} as Record<'numericModelId' | 'numericId' | 'huge' | 'redirect' | 'hijacker', Hostile>
  let honest: Address

  const api = (path: string, body?: Record<string, unknown>) =>
    fetch(`${net.gateway.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${net.apiKey}`, 'content-type': 'application/json' },
      ...(body && { body: JSON.stringify(body) }),
    })
  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    api('/v1/chat/completions', {
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
      ...extra,
    })
  const listed = async () => {
    const response = await api('/v1/models')
    assert.equal(response.status, 200)
    return (
      (await response.json()) as { data: { id: string; infermesh: { modelId: string; providers: number } }[] }
    ).data
  }
  const lastUsageProvider = async () => {
    const response = await api('/v1/usage')
    return ((await response.json()) as { records: { provider: string }[] }).records[0]?.provider
  }
  /** What the gateway's discovery thinks of everyone, for failure messages. */
  const state = () =>
    JSON.stringify(
      net.gateway.discovery
        .providers()
        .map((p) => ({ a: p.address.slice(0, 8), h: p.healthy, m: p.models.length })),
    )

  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 0 })
    honest = net.providers[0]?.account.address as Address
    internal = createServer((request, response) => {
      internalHits++
      request.resume()
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}')
    })
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve))
    const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`
    const servers = {
      // A number where the model id belongs: this once froze the whole routing index (audit §11).
      numericModelId: await startHostile(
        answer({ object: 'list', data: [{ id: 'tiny', infermesh: { modelId: 123 } }] }),
      ),
      // A number where the name belongs: this once made GET /v1/models answer 500 to everyone.
      numericId: await startHostile(
        answer({ object: 'list', data: [{ id: 42, infermesh: { modelId: net.modelId } }] }),
      ),
      // 10 MiB of one list entry.
      huge: await startHostile((response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write(`{"object":"list","data":[{"id":"`)
        const chunk = Buffer.alloc(64 * 1024, 'a')
        let sent = 0
        const pump = () => {
          while (sent < tenMiB && !response.destroyed) {
            sent += chunk.length
            if (!response.write(chunk)) {
              response.once('drain', pump)
              return
            }
          }
          response.end(`","infermesh":{"modelId":"${net.modelId}"}}]}`)
        }
        pump()
      }),
      // A redirect to an internal address that answers a valid-looking list.
      redirect: await startHostile((response) =>
        response.writeHead(302, { location: `${internalUrl}/v1/models` }).end(),
      ),
      // Offers its own junk model on-chain and calls it by the registered name `tiny` (audit §7).
      hijacker: await startHostile(
        answer({ object: 'list', data: [{ id: 'tiny', infermesh: { modelId: junk } }] }),
      ),
    }
    let index = 20
    for (const [name, server] of Object.entries(servers)) {
      const account = devAccount(index++)
      await registerHostileProvider(net, account, server.url, {
        modelId: name === 'hijacker' ? junk : net.modelId,
        price: 1n,
      })
      hostiles[name as keyof typeof hostiles] = Object.assign(server, { address: account.address })
    }
    await until(
      'the gateway has probed every hostile provider',
      () =>
        net.gateway.discovery.providerCount() === 6 &&
        net.gateway.discovery.providers().every((provider) => provider.healthy !== undefined),
    )
  })
  after(async () => {
    for (const hostile of Object.values(hostiles)) hostile.server.close()
    internal?.close()
    await net?.close()
  })

  it('keeps GET /v1/models answering 200, listing `tiny` with its registered id and the honest provider only', async () => {
    const tiny = (await listed()).filter((model) => model.id === 'tiny')
    assert.deepEqual(
      tiny.map((model) => [model.infermesh.modelId, model.infermesh.providers]),
      [[net.modelId.toLowerCase(), 1]],
      state(),
    )
    // The junk model has no registered name, so it is not listed under any.
    assert.equal(
      (await listed()).some((model) => model.infermesh.modelId === junk),
      false,
    )
  })

  it('drops only the hostile providers’ bad entries or answers: no redirect followed, no 10 MiB read, no hostile one routable', () => {
    const byAddress = new Map(net.gateway.discovery.providers().map((p) => [p.address, p]))
    // A list with a bad entry is still an answer: the provider is up but serves nothing it can be routed for.
    for (const name of ['numericModelId', 'numericId'] as const) {
      assert.equal(byAddress.get(hostiles[name].address)?.healthy, true, name)
      assert.deepEqual(byAddress.get(hostiles[name].address)?.models, [], name)
    }
    for (const name of ['huge', 'redirect'] as const)
      assert.equal(byAddress.get(hostiles[name].address)?.healthy, false, name)
    assert.equal(internalHits, 0)
    assert.deepEqual(
      net.gateway.discovery.offers('tiny').map((offer) => offer.provider),
      [honest],
    )
  })

  it('serves `tiny` (by name or by id) from the honest provider only: the hijacker and the poisoners get no request', async () => {
    for (const model of ['tiny', net.modelId]) {
      for (let i = 0; i < 3; i++) {
        const response = await chat(model)
        assert.equal(response.status, 200, `${model}: ${await response.clone().text()} ${state()}`)
        assert.equal((await lastUsageProvider())?.toLowerCase(), honest.toLowerCase())
      }
    }
    for (const [name, hostile] of Object.entries(hostiles)) assert.equal(hostile.posts, 0, name)
  })

  it('never routes `tiny` to the hijacker, even when the customer names it as the only provider', async () => {
    const response = await chat('tiny', { provider: { only: [hostiles.hijacker.address] } })
    assert.notEqual(response.status, 200)
    assert.equal(hostiles.hijacker.posts, 0)
    // Its own name reaches only its own junk id, by that id.
    assert.equal(net.gateway.discovery.offerOf(hostiles.hijacker.address, 'tiny')?.modelId, junk)
  })

  it('still takes new registrations: a provider registered after the poison is probed, listed and routable', async () => {
    const newcomer = await startHostile(
      answer({ object: 'list', data: [{ id: 'tiny-newcomer', infermesh: { modelId: net.modelId } }] }),
    )
    try {
      const account = devAccount(30)
      await registerHostileProvider(net, account, newcomer.url, { modelId: net.modelId, price: 1n })
      await until('the newcomer is routable for tiny', () =>
        net.gateway.discovery.offers('tiny').some((offer) => offer.provider === account.address),
      )
      const tiny = (await listed()).find((model) => model.id === 'tiny')
      assert.equal(tiny?.infermesh.providers, 2)
      assert.equal(
        net.gateway.discovery.offers('tiny').find((offer) => offer.provider === account.address)
          ?.providerModelName,
        'tiny-newcomer',
      )
    } finally {
      newcomer.server.close()
    }
  })
})
