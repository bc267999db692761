import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  type DevChain,
  meshTokenAbi,
  modelRegistryAbi,
  registryAbi,
  startDevChain,
} from '@infermesh/protocol'
import { type Address, type Hex, type LocalAccount, parseEther, zeroAddress } from 'viem'
import { createDiscovery, type Discovery, type ProbeOutcome } from './createDiscovery.js'

// Discovery against a real anvil with the contracts and real HTTP servers standing in for providers,
// some of them hostile. Nothing of discovery's own is replaced.

const tiny = `0x${'a1'.repeat(32)}` as Hex
const junk = `0x${'b2'.repeat(32)}` as Hex

type FakeProvider = {
  server: Server
  url: string
  /** GET /v1/models received. */
  probes: number
  answer: (response: ServerResponse) => void
}

async function startFake(answer: (response: ServerResponse) => void): Promise<FakeProvider> {
  const fake = { probes: 0, answer } as FakeProvider
  fake.server = createServer((request, response) => {
    request.resume()
    if (request.url === '/v1/models') fake.probes++
    fake.answer(response)
  })
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`
  return fake
}
const lists =
  (...data: unknown[]) =>
  (response: ServerResponse) =>
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ object: 'list', data }))

async function register(
  chain: DevChain,
  account: LocalAccount,
  endpoint: string,
  modelId: Hex,
  price: bigint,
) {
  await chain.mint(account.address, parseEther('2000'))
  const { token, registry } = chain.deployment.contracts
  await chain.send(account, {
    address: token,
    abi: meshTokenAbi,
    functionName: 'approve',
    args: [registry, parseEther('2000')],
  })
  await chain.send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'stake',
    args: [parseEther('2000')],
  })
  await chain.send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'registerProvider',
    args: [
      endpoint,
      'test',
      { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 1, ramMb: 512 },
      [{ modelId, pricePerMInput: price, pricePerMOutput: price }],
    ],
  })
}

async function until(what: string, check: () => boolean, ms = 15_000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('createDiscovery on a real chain with hostile providers', () => {
  let chain: DevChain
  let discovery: Discovery
  const fakes: Record<string, FakeProvider> = {}
  const addresses: Record<string, Address> = {}
  const warnings: Record<string, unknown>[] = []
  const outcomes = new Map<string, ProbeOutcome>()
  let trap: FakeProvider

  before(async () => {
    chain = await startDevChain()
    await chain.send(chain.account(8), {
      address: chain.deployment.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [tiny, 'tiny', '', 0, zeroAddress],
    })
    trap = await startFake(lists({ id: 'tiny', infermesh: { modelId: tiny } }))
    fakes.honest = await startFake(lists({ id: 'tiny', infermesh: { modelId: tiny } }))
    // Claims the registered name for its own junk model, and is the cheapest.
    fakes.hijacker = await startFake(lists({ id: 'tiny', infermesh: { modelId: junk } }))
    fakes.mixed = await startFake(
      lists(
        { id: 5, infermesh: { modelId: tiny } },
        { id: 'tiny-bad', infermesh: { modelId: 123 } },
        { id: 'tiny-q4', infermesh: { modelId: tiny } },
      ),
    )
    fakes.broken = await startFake((response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":7}'),
    )
    fakes.redirecting = await startFake((response) =>
      response.writeHead(302, { location: `${trap.url}/v1/models` }).end(),
    )
    const prices = { honest: 10n, hijacker: 1n, mixed: 20n, broken: 5n, redirecting: 5n }
    let index = 2
    for (const [name, fake] of Object.entries(fakes)) {
      const account = chain.account(index++)
      addresses[name] = account.address
      await register(
        chain,
        account,
        fake.url,
        name === 'hijacker' ? junk : tiny,
        prices[name as keyof typeof prices],
      )
    }
    discovery = createDiscovery({
      publicClient: chain.publicClient,
      registry: chain.deployment.contracts.registry,
      models: chain.deployment.contracts.models,
      uptime: chain.deployment.contracts.uptime,
      allowPrivate: true,
      hotProbeMs: 200,
      idleProbeMaxMs: 1_600,
      refreshMs: 1_000,
      probeTimeoutMs: 2_000,
      log: { info: () => {}, warn: (obj) => warnings.push(obj as Record<string, unknown>) },
      onProbe: (provider, outcome) => outcomes.set(provider.toLowerCase(), outcome),
    })
    await discovery.start()
  })
  after(async () => {
    discovery?.stop()
    for (const fake of [...Object.values(fakes), trap]) fake?.server.close()
    await chain?.stop()
  })

  const providersOf = (model: string) => discovery.offers(model).map((offer) => offer.provider)

  it('resolves `tiny` through the ModelRegistry: offers of its registered id only, never the hijacker’s', () => {
    assert.deepEqual(new Set(providersOf('tiny')), new Set([addresses.honest, addresses.mixed]))
    assert.deepEqual(providersOf(tiny.toUpperCase().replace('0X', '0x')), providersOf('tiny'))
    assert.equal(discovery.resolve('tiny'), tiny)
    // The junk model is reachable by its id only; it has no registered name, so it is not listed.
    assert.deepEqual(providersOf(junk), [addresses.hijacker])
    assert.deepEqual(
      discovery.models().map((model) => [model.name, model.modelId, model.providers, model.pricePerMInput]),
      [['tiny', tiny, 2, { min: 10n, max: 20n }]],
    )
    // A provider's own name reaches only its own offer.
    assert.equal(discovery.offerOf(addresses.hijacker as Address, 'tiny')?.modelId, junk)
    assert.equal(discovery.offerOf(addresses.honest as Address, 'tiny')?.modelId, tiny)
  })

  it('drops only the invalid entries of a provider’s list, logs them, and keeps its valid one', () => {
    const offer = discovery.offers('tiny').find((o) => o.provider === addresses.mixed)
    assert.equal(offer?.providerModelName, 'tiny-q4')
    assert.equal(outcomes.get((addresses.mixed as string).toLowerCase())?.healthy, true)
    const logged = warnings.find((w) => w.msg === 'provider listed invalid models: those entries are ignored')
    assert.equal(logged?.provider, addresses.mixed)
    assert.equal(logged?.count, 2)
  })

  it('marks unhealthy only a provider whose whole answer is invalid or a redirect, and never follows the redirect', () => {
    for (const name of ['honest', 'hijacker', 'mixed'])
      assert.equal(outcomes.get((addresses[name] as string).toLowerCase())?.healthy, true, name)
    const broken = outcomes.get((addresses.broken as string).toLowerCase())
    assert.equal(broken?.healthy, false)
    assert.match(broken?.error?.message ?? '', /not `\{ data: \[\.\.\.\] \}`/)
    const redirecting = outcomes.get((addresses.redirecting as string).toLowerCase())
    assert.equal(redirecting?.healthy, false)
    assert.match(redirecting?.error?.message ?? '', /answered 302/)
    assert.equal(trap.probes, 0)
    assert.equal(discovery.providerCount(), 5)
  })

  it('follows the Registry’s events: a newcomer is probed and routable, one that leaves is dropped, with no full re-read', async () => {
    const fullReads = discovery.counts().fullReads
    const newcomer = await startFake(lists({ id: 'tiny', infermesh: { modelId: tiny } }))
    try {
      const account = chain.account(7)
      await register(chain, account, newcomer.url, tiny, 15n)
      await until('the newcomer is routable for tiny', () => providersOf('tiny').includes(account.address))
      assert.ok(newcomer.probes >= 1)
      await chain.send(account, {
        address: chain.deployment.contracts.registry,
        abi: registryAbi,
        functionName: 'unregister',
      })
      await until('the newcomer is dropped', () => discovery.endpointOf(account.address) === undefined)
      assert.equal(providersOf('tiny').includes(account.address), false)
      assert.equal(discovery.counts().fullReads, fullReads)
    } finally {
      newcomer.server.close()
    }
  })

  it('picks up a model name registered after start from the ModelRegistry’s event', async () => {
    assert.deepEqual(providersOf('junk'), [])
    await chain.send(chain.account(8), {
      address: chain.deployment.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [junk, 'junk', '', 0, zeroAddress],
    })
    await until('`junk` resolves', () => providersOf('junk').length === 1)
    assert.deepEqual(providersOf('junk'), [addresses.hijacker])
    assert.deepEqual(
      discovery.models().map((model) => model.name),
      ['junk', 'tiny'],
    )
  })

  it('probes a provider routed to every hot period, and idle ones less and less', async () => {
    const honest = fakes.honest as FakeProvider
    const idle = fakes.mixed as FakeProvider
    const start = { honest: honest.probes, idle: idle.probes }
    const routing = setInterval(() => discovery.used(addresses.honest as Address), 100)
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    clearInterval(routing)
    const probed = { honest: honest.probes - start.honest, idle: idle.probes - start.idle }
    // Hot: every 200 ms (±10%) → about 15 in 3 s. Idle: backed off towards 1.6 s → at most 3.
    assert.ok(probed.honest >= 9, `the provider in use was probed ${probed.honest} times in 3 s`)
    assert.ok(probed.idle <= 3, `the idle provider was probed ${probed.idle} times in 3 s`)
  })
})
