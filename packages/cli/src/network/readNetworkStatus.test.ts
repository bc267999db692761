import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  type Anvil,
  anvilMnemonic,
  canonicalJson,
  connect,
  type Deployment,
  type DevChain,
  deployContracts,
  devDeployerKey,
  devDeployParams,
  disputesAbi,
  emptyTokensHash,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  registryAbi,
  signReceipt,
  startAnvil,
  startDevChain,
} from '@infermesh/protocol'
import {
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  parseEther,
  stringToHex,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import type { PayerTarget } from '../payer/resolvePayer.js'
import type { DevnetFile } from '../provider/readDevnet.js'
import { formatNetworkStatus } from './formatNetworkStatus.js'
import { readNetworkStatus } from './readNetworkStatus.js'

// A model id the ModelRegistry does not name: its name can only come from the provider's /v1/models.
const modelId = keccak256(stringToHex('unnamed model'))
// Not anvil's 31337: a chain that is local only if the devnet file says so.
const chainId = 84532

/**
 * Providers and validators whose endpoint is this server, under a path per behaviour. `internal` is
 * a server of this machine's own network that a redirect points to.
 */
function peerServer(internal: () => string, traces: { hits: number }): Server {
  const open = new Set<ServerResponse>()
  const server = createServer((request, response) => {
    traces.hits++
    open.add(response)
    response.on('close', () => open.delete(response))
    const [, behaviour, ...rest] = (request.url ?? '').split('/')
    const route = `/${rest.join('/')}`
    if (behaviour === 'redirect') {
      response.writeHead(302, { location: `${internal()}${route}` })
      return response.end()
    }
    if (behaviour === 'silent') return // never answers
    if (behaviour === 'huge' && route === '/v1/models') {
      // 50 MB of a models list, chunked.
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"data":[')
      const chunk = `{"id":"${'x'.repeat(200)}"},`.repeat(256)
      const pump = () => {
        for (let written = 0; written < 50_000_000 && !response.destroyed; written += chunk.length)
          if (!response.write(chunk)) return void response.once('drain', pump)
      }
      return pump()
    }
    if (route === '/health')
      return response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    if (route === '/v1/models')
      return response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data: [{ id: 'tiny', infermesh: { modelId } }] }))
    response.writeHead(404).end()
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

describe('readNetworkStatus calling the peers the Registry names', () => {
  let anvil: Anvil
  let deployment: Deployment
  let publicClient: Awaited<ReturnType<typeof connect>>['publicClient']
  let server: Server
  let internal: Server
  let base: string
  let internalUrl: string
  let internalHits = 0
  const traces = { hits: 0 }
  const providers = { honest: 1, redirect: 2, huge: 3 } as const
  const validators = { honest: 4, redirect: 5, silent: 6 } as const
  const account = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })

  /** The target `status` reads: from a devnet file (of chain `devnetChainId`) or from a gateway config. */
  const target = (devnetChainId?: number): PayerTarget => {
    const devnet: DevnetFile | undefined =
      devnetChainId === undefined
        ? undefined
        : {
            chainId: devnetChainId,
            rpcUrl: anvil.rpcUrl,
            contracts: deployment.contracts,
            deployer: { address: account(0).address, privateKey: devDeployerKey },
            providers: [],
          }
    return {
      rpcUrl: anvil.rpcUrl,
      contracts: deployment.contracts,
      source: devnet ? 'devnet test' : 'gateway config test',
      ...(devnet && { devnet }),
      loadAccount: async () => account(0),
    }
  }
  const read = async (devnetChainId?: number) => {
    const status = await readNetworkStatus({
      target: target(devnetChainId),
      publicClient: publicClient as never,
    })
    const provider = (index: number) =>
      status.providers.find((p) => p.address === account(index).address) as (typeof status.providers)[number]
    const validator = (index: number) =>
      status.consensus?.validators.find((v) => v.address === account(index).address)?.answers
    return { status, provider, validator }
  }

  before(async () => {
    internal = createServer((_request, response) => {
      internalHits++
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', data: [{ id: 'internal', infermesh: { modelId } }] }))
    })
    internalUrl = await listen(internal)
    server = peerServer(() => internalUrl, traces)
    base = await listen(server)
    anvil = await startAnvil({ chainId })
    deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey: devDeployerKey,
      // The devnet's initial supply to the deployer, which funds the accounts below.
      params: devDeployParams,
    })
    const connection = await connect({ rpcUrl: anvil.rpcUrl })
    publicClient = connection.publicClient
    const { token, registry } = deployment.contracts
    const send = async (signer: LocalAccount, call: Record<string, unknown>) => {
      const wallet = createWalletClient({
        account: signer,
        chain: connection.chain,
        transport: http(anvil.rpcUrl),
      })
      const hash = await wallet.writeContract(call as never)
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success', `${call.functionName}`)
    }
    const stake = async (signer: LocalAccount, amount: bigint) => {
      await send(account(0), {
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [signer.address, amount],
      })
      await send(signer, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, amount],
      })
      await send(signer, { address: registry, abi: registryAbi, functionName: 'stake', args: [amount] })
    }
    for (const [behaviour, index] of Object.entries(providers)) {
      await stake(account(index), parseEther('1500'))
      await send(account(index), {
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
    for (const [behaviour, index] of Object.entries(validators)) {
      await stake(account(index), parseEther('1000'))
      await send(account(index), {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`${base}/${behaviour}`],
      })
    }
  })
  after(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await new Promise((resolve) => internal?.close(resolve))
    await anvil?.stop()
  })

  it('calls no loopback endpoint off a local chain: read through a gateway config, or a devnet file of another chain', async () => {
    for (const devnetChainId of [undefined, 31337]) {
      const { status, provider, validator } = await read(devnetChainId)
      assert.equal(status.chainId, chainId)
      assert.deepEqual(
        [provider(providers.honest).answers, provider(providers.honest).offers[0]?.model],
        [false, undefined],
      )
      assert.equal(validator(validators.honest), false)
    }
    assert.equal(traces.hits, 0, 'no request reached the peers')
  })

  it("on the devnet file's own chain, reads the peers, never follows a redirect, and cuts a 50 MB answer and a silent one", async () => {
    const started = performance.now()
    const { provider, validator } = await read(chainId)
    const elapsed = performance.now() - started
    assert.deepEqual(
      [provider(providers.honest).answers, provider(providers.honest).offers[0]?.model],
      [true, 'tiny'],
    )
    assert.deepEqual(
      [provider(providers.redirect).answers, provider(providers.redirect).offers[0]?.model],
      [false, undefined],
    )
    assert.equal(provider(providers.huge).answers, false)
    assert.deepEqual(
      [validator(validators.honest), validator(validators.redirect), validator(validators.silent)],
      [true, false, false],
    )
    assert.equal(internalHits, 0, 'the internal server was never called')
    console.log(`status took ${Math.round(elapsed)} ms`)
  })
})

/**
 * Disputes as `status` shows them, on a real anvil with short dispute rounds: two disputes against one
 * provider, one void (no validator declared its model, so both rounds draw nobody), one still open and
 * freezing the provider's stake; a validator and the models it declared.
 */
describe('readNetworkStatus on disputes', () => {
  let chain: DevChain
  after(async () => {
    await chain?.stop()
  })

  it('counts disputes by outcome, shows the frozen stake and each validator’s models', async () => {
    chain = await startDevChain({
      params: {
        disputeWindow: 3600n,
        commitPeriod: 600n,
        revealPeriod: 600n,
        maxRounds: 2n,
        unbondingPeriod: 6000n,
      },
    })
    const { token, registry, disputes, payments } = chain.deployment.contracts
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    const provider = chain.account(1)
    const validator = chain.account(2)
    const challenger = chain.account(3)
    for (const account of [provider, validator, challenger]) {
      await chain.fund(account.address, parseEther('1000'))
      await chain.send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [account === challenger ? disputes : registry, parseEther('1000')],
      })
    }
    for (const account of [provider, validator])
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'stake',
        args: [parseEther('1000')],
      })
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'eu-west',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
        [{ modelId, pricePerMInput: 1n, pricePerMOutput: 2n }],
      ],
    })
    await chain.send(validator, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerValidator',
      args: ['http://127.0.0.1:9'],
    })
    const otherModel = keccak256(stringToHex('another model'))
    await chain.send(validator, {
      address: registry,
      abi: registryAbi,
      functionName: 'setValidatorModels',
      args: [[otherModel]],
    })
    const open = async (content: string) => {
      const body = { model: 'x', messages: [{ role: 'user', content }], max_tokens: 4 }
      const receipt = {
        requestHash: hashRequest('chat', body),
        responseHash: hashResponse('noise'),
        tokensHash: emptyTokensHash,
        modelId,
        payer: chain.account(4).address,
        provider: provider.address,
        inputTokens: 2n,
        outputTokens: 4n,
        servedAt: (await chain.publicClient.getBlock()).timestamp,
        cost: 6n,
        cumulativeAmount: 6n,
      }
      const signature = await signReceipt({
        account: provider,
        chainId: chain.deployment.chainId,
        payments,
        receipt,
      })
      await chain.send(challenger, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'openDispute',
        args: [
          receipt,
          signature,
          stringToHex(canonicalJson({ kind: 'chat', body })),
          stringToHex('noise'),
          0n,
          '0x',
        ],
      })
    }
    await open('first')
    for (let round = 1; round <= 2; round++) {
      await test.mine({ blocks: 2 })
      await chain.send(challenger, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'drawCommittee',
        args: [1n],
      })
      await test.increaseTime({ seconds: 1200 })
      await test.mine({ blocks: 1 })
      await chain.send(challenger, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'resolve',
        args: [1n],
      })
    }
    await open('second')

    const status = await readNetworkStatus({
      target: {
        rpcUrl: chain.anvil.rpcUrl,
        contracts: chain.deployment.contracts,
        source: 'test',
        loadAccount: async () => chain.account(0),
      },
      publicClient: chain.publicClient as never,
      fromBlock: chain.deployment.startBlock,
    })
    assert.deepEqual(status.consensus?.disputes, { total: 2n, open: 1, guilty: 0, innocent: 0, void: 1 })
    assert.equal(status.providers[0]?.frozen, 1n)
    assert.deepEqual(status.consensus?.validators[0]?.models, [otherModel])
    const lines = formatNetworkStatus(status, { rpcUrl: chain.anvil.rpcUrl, source: 'test' })
    assert.ok(
      lines.some((line) => /disputes 2 \(1 open, 0 guilty, 0 innocent, 1 void\)/.test(line)),
      lines.join('\n'),
    )
    assert.ok(
      lines.some((line) => line.endsWith('1000 MESH, frozen by 1 open dispute')),
      lines.join('\n'),
    )
    assert.ok(
      lines.some((line) => line.endsWith('stake 1000 MESH, 1 model')),
      lines.join('\n'),
    )
  })
})
