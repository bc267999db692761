import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DevChain, meshTokenAbi, registryAbi, startDevChain } from '@infermesh/protocol'
import { type Hex, parseEther } from 'viem'
import { explorerConfigSchema } from './explorerConfig.js'
import { signProfileUpdate } from './profile/signProfileUpdate.js'
import { type RunningExplorer, startExplorer } from './startExplorer.js'
import { ensureWebBuild } from './web/ensureWebBuild.js'

const modelId = `0x${'cd'.repeat(32)}` as Hex
const silent = { level: 'silent' }

describe('the explorer server', () => {
  let chain: DevChain
  let explorer: RunningExplorer
  let url: string
  const provider = () => chain.account(2)

  before(async () => {
    chain = await startDevChain()
    const account = provider()
    const { token, registry } = chain.deployment.contracts
    await chain.mint(account.address, parseEther('1500'))
    await chain.send(account, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('1500')],
    })
    await chain.send(account, {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('1500')],
    })
    await chain.send(account, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'eu-west',
        { gpuModel: 'RTX 4090', gpuCount: 2, vramMb: 49152, cpuCores: 16, ramMb: 131072 },
        [{ modelId, pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('3') }],
      ],
    })
    const web = await ensureWebBuild()
    const pino = (await import('pino')).default
    explorer = await startExplorer({
      config: explorerConfigSchema.parse({
        chain: {
          rpcUrl: chain.anvil.rpcUrl,
          contracts: chain.deployment.contracts,
          startBlock: chain.deployment.startBlock.toString(),
        },
        server: { port: 0 },
        indexer: { confirmations: 0, pollMs: 100 },
        probes: { intervalMs: 500, timeoutMs: 300 },
      }),
      logger: pino(silent),
      webDir: web.dir,
    })
    url = explorer.url
  })
  after(async () => {
    await explorer?.close()
    await chain?.stop()
  })

  it('answers /ready once it has indexed the chain, with the stake, hardware and offers the Registry has', async () => {
    const ready = await fetch(`${url}/ready`)
    assert.equal(ready.status, 200)
    const { providers } = (await (await fetch(`${url}/api/providers`)).json()) as {
      providers: {
        address: string
        stake: string
        vramMb: number
        gpuCount: number
        offers: { priceOut: string }[]
      }[]
    }
    const [view] = await chain.publicClient.readContract({
      address: chain.deployment.contracts.registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [0n, 10n],
    })
    assert.equal(providers.length, 1)
    assert.equal(providers[0]?.address, provider().address.toLowerCase())
    assert.equal(providers[0]?.stake, view?.stake.toString())
    assert.equal(providers[0]?.vramMb, 49152)
    assert.deepEqual(
      providers[0]?.offers.map((o) => o.priceOut),
      [parseEther('3').toString()],
    )
    const overview = (await (await fetch(`${url}/api/overview`)).json()) as {
      supply: { minted: string }
      totalVramMb: number
      modelsOffered: number
      providers: { registered: number; online: number }
    }
    const minted = await chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'totalMinted',
    })
    assert.equal(overview.supply.minted, minted.toString())
    assert.deepEqual([overview.totalVramMb, overview.modelsOffered], [49152, 1])
    assert.deepEqual(overview.providers, { registered: 1, online: 0 }, 'its endpoint does not answer')
  })

  it('serves the web app for its pages and JSON for the API', async () => {
    for (const page of [
      '/',
      '/providers',
      `/providers/${provider().address}`,
      '/models',
      '/disputes',
      '/validators',
    ]) {
      const response = await fetch(`${url}${page}`)
      assert.equal(response.status, 200, page)
      assert.match(response.headers.get('content-type') ?? '', /text\/html/)
      assert.match(await response.text(), /<div id="root"><\/div>/)
    }
    const missing = await fetch(`${url}/api/nothing`)
    assert.equal(missing.status, 404)
    assert.deepEqual(await missing.json(), {
      error: {
        message: 'No route GET /api/nothing.',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    })
  })

  it('refuses every method but GET and HEAD on every route with 405 and an OpenAI-style error', async () => {
    const routes = [
      '/api/status',
      '/api/overview',
      '/api/providers',
      `/api/providers/${provider().address}`,
      '/api/models',
      '/api/disputes',
      '/api/validators',
      '/api/reference-prices',
      '/api/stream',
      '/api/anything',
      '/health',
      '/ready',
      '/metrics',
      '/',
      '/providers',
    ]
    for (const route of routes)
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const response = await fetch(`${url}${route}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
        assert.equal(response.status, 405, `${method} ${route}`)
        const body = (await response.json()) as { error: { code: string; type: string; message: string } }
        assert.equal(body.error.code, 'method_not_allowed')
        assert.equal(body.error.type, 'invalid_request_error')
        assert.equal(
          body.error.message,
          `${method} is not allowed on ${route}: the explorer is read-only (its one write is a provider's signed POST /api/providers/:address/profile).`,
        )
      }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const response = await fetch(`${url}/api/providers/${provider().address}/profile`, { method })
      assert.equal(response.status, 405, `${method} on the profile`)
    }
  })

  it('takes a profile signed by the provider once, and refuses the same signed update replayed', async () => {
    const account = provider()
    const detail = async () =>
      (await (await fetch(`${url}/api/providers/${account.address}`)).json()) as {
        profile: string
        profileNonce: string
      }
    assert.equal((await detail()).profileNonce, '0')
    const body = await signProfileUpdate({
      account,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.registry,
      profile: 'Two RTX 4090s in Lyon, on solar power.',
      nonce: 0n,
    })
    const post = (payload: unknown, address = account.address) =>
      fetch(`${url}/api/providers/${address}/profile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      })
    const accepted = await post(body)
    assert.equal(accepted.status, 200, await accepted.clone().text())
    const after = await detail()
    assert.deepEqual(
      { profile: after.profile, profileNonce: after.profileNonce },
      { profile: 'Two RTX 4090s in Lyon, on solar power.', profileNonce: '1' },
    )
    const replayed = await post(body)
    assert.equal(replayed.status, 409)
    assert.deepEqual(await replayed.json(), {
      error: {
        message: `Nonce 0 is not ${account.address}'s next one (1): this update was already used, or is out of order.`,
        type: 'invalid_request_error',
        param: null,
        code: 'nonce_used',
      },
    })
    assert.equal((await detail()).profile, 'Two RTX 4090s in Lyon, on solar power.')
  })

  it('refuses a profile signed by another key, a changed text, an expired signature and an unregistered account', async () => {
    const account = provider()
    const stranger = chain.account(7)
    const post = (payload: unknown, address: string = account.address) =>
      fetch(`${url}/api/providers/${address}/profile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      })
    const forged = await signProfileUpdate({
      account: stranger,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.registry,
      profile: 'scam',
      nonce: 1n,
    })
    const wrongSigner = await post({ ...forged, provider: account.address })
    assert.equal(wrongSigner.status, 401)
    assert.deepEqual(await wrongSigner.json(), {
      error: {
        message: `The signature is not by ${account.address}'s key.`,
        type: 'authentication_error',
        param: null,
        code: 'invalid_signature',
      },
    })
    const genuine = await signProfileUpdate({
      account,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.registry,
      profile: 'honest',
      nonce: 1n,
    })
    const tampered = await post({ ...genuine, profile: 'tampered' })
    assert.equal(tampered.status, 401)
    const otherChain = await signProfileUpdate({
      account,
      chainId: 1,
      registry: chain.deployment.contracts.registry,
      profile: 'honest',
      nonce: 1n,
    })
    assert.equal((await post(otherChain)).status, 401, 'a signature for another chain id')
    const expired = await signProfileUpdate({
      account,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.registry,
      profile: 'late',
      nonce: 1n,
      deadline: BigInt(Math.floor(Date.now() / 1000) - 1),
    })
    const late = await post(expired)
    assert.equal(late.status, 400)
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'expired')
    const unregistered = await post(forged, stranger.address)
    assert.equal(unregistered.status, 404)
    assert.equal(((await unregistered.json()) as { error: { code: string } }).error.code, 'unknown_provider')
    const otherUrl = await post(genuine, stranger.address)
    assert.equal(otherUrl.status, 400, 'the URL names another provider than the signed one')
    assert.equal(
      ((await (await fetch(`${url}/api/providers/${account.address}`)).json()) as { profile: string })
        .profile,
      'Two RTX 4090s in Lyon, on solar power.',
      'nothing refused changed the profile',
    )
  })

  it("refuses a profile signed for another deployment's Registry on the same chain", async () => {
    const account = provider()
    const post = (payload: unknown) =>
      fetch(`${url}/api/providers/${account.address}/profile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      })
    const { profileNonce } = (await (await fetch(`${url}/api/providers/${account.address}`)).json()) as {
      profileNonce: string
    }
    // The same provider, chain, text and nonce: only the Registry of the signed domain differs.
    const elsewhere = await signProfileUpdate({
      account,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.payments,
      profile: 'replayed from another deployment',
      nonce: BigInt(profileNonce),
    })
    const refused = await post(elsewhere)
    assert.equal(refused.status, 401)
    assert.deepEqual(await refused.json(), {
      error: {
        message: `The signature is not by ${account.address}'s key.`,
        type: 'authentication_error',
        param: null,
        code: 'invalid_signature',
      },
    })
    const here = await signProfileUpdate({
      account,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.contracts.registry,
      profile: 'signed for this deployment',
      nonce: BigInt(profileNonce),
    })
    const accepted = await post(here)
    assert.equal(accepted.status, 200, await accepted.clone().text())
    const after = (await (await fetch(`${url}/api/providers/${account.address}`)).json()) as {
      profile: string
    }
    assert.equal(after.profile, 'signed for this deployment')
  })

  it('pushes an update on /api/stream when a new block with events is indexed', async () => {
    const controller = new AbortController()
    const response = await fetch(`${url}/api/stream`, { signal: controller.signal })
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    const seen = (async () => {
      while (!/event: update\ndata: \{"reason":"chain"/.test(text)) {
        const { value, done } = await reader.read()
        if (done) break
        text += decoder.decode(value)
      }
    })()
    // An event the explorer indexes: the deployer burns 1 wei (a Transfer to 0; transfers between
    // accounts are no supply events, and nobody but Emissions mints).
    await chain.send(chain.account(0), {
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'burn',
      args: [1n],
    })
    await Promise.race([
      seen,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no update: ${text}`)), 5000)),
    ])
    controller.abort()
    assert.match(text, /event: hello/)
  })
})
