import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Hex, hexToString, keccak256, maxUint256, stringToHex } from 'viem'
import { jobCoordinatorAbi } from './abis/JobCoordinator.js'
import { meshTokenAbi } from './abis/MeshToken.js'
import { modelRegistryAbi } from './abis/ModelRegistry.js'
import { type Connection, connect } from './connect.js'
import { deployContracts } from './deployContracts.js'
import type { Deployment } from './deployment.js'
import { hashRequest } from './hashRequest.js'
import { jobRequestBytes } from './jobRequestBytes.js'
import { type Anvil, startAnvil } from './startAnvil.js'

// anvil's first dev key (public).
const deployerKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const modelId: Hex = `0x${'AB'.repeat(31)}0f`

describe('jobRequestBytes', () => {
  it('writes the canonical chat request a job stands for', () => {
    const bytes = jobRequestBytes({
      modelId,
      input: '[{"content":"Hi","role":"user"}]',
      maxTokens: 16,
      temperatureMilli: 700,
      seed: 42n,
    })
    assert.equal(
      hexToString(bytes),
      `{"body":{"max_tokens":16,"messages":[{"content":"Hi","role":"user"}],"model":"0x${'ab'.repeat(31)}0f","seed":42,"temperature":0.7},"kind":"chat"}`,
    )
  })

  it('gives the hash hashRequest gives the same chat body when the input is canonical', () => {
    const messages = [{ content: 'Say "ok" \\ ünïcødé\n', role: 'user' }]
    const input = JSON.stringify(messages)
    const bytes = jobRequestBytes({ modelId, input, maxTokens: 5, temperatureMilli: 1250, seed: 9 })
    const body = { max_tokens: 5, messages, model: modelId.toLowerCase(), seed: 9, temperature: 1.25 }
    assert.equal(keccak256(bytes), hashRequest('chat', body))
  })

  it('takes the input as text, bytes or hex alike', () => {
    const text = '[{"content":"x","role":"user"}]'
    const fields = { modelId, maxTokens: 1, temperatureMilli: 0, seed: 0 }
    const fromText = jobRequestBytes({ ...fields, input: text })
    assert.equal(jobRequestBytes({ ...fields, input: stringToHex(text) }), fromText)
    assert.equal(jobRequestBytes({ ...fields, input: new TextEncoder().encode(text) }), fromText)
  })

  it('refuses fields the coordinator would refuse, saying which', () => {
    const ok = { modelId, input: '[]', maxTokens: 1, temperatureMilli: 0, seed: 0 }
    assert.throws(
      () => jobRequestBytes({ ...ok, maxTokens: 0 }),
      /maxTokens 0 must be a whole number from 1 to 4096/,
    )
    assert.throws(() => jobRequestBytes({ ...ok, maxTokens: 4097 }), /maxTokens 4097/)
    assert.throws(() => jobRequestBytes({ ...ok, temperatureMilli: 2001 }), /temperatureMilli 2001 must be/)
    assert.throws(() => jobRequestBytes({ ...ok, temperatureMilli: 0.5 }), /temperatureMilli 0.5/)
    assert.throws(() => jobRequestBytes({ ...ok, seed: 2n ** 53n }), /the seed 9007199254740992 must be/)
    assert.throws(() => jobRequestBytes({ ...ok, seed: -1 }), /the seed -1 must be/)
    assert.throws(() => jobRequestBytes({ ...ok, modelId: '0x1234' }), /the model id 0x1234 is not 32 bytes/)
    assert.throws(() => jobRequestBytes({ ...ok, input: '' }), /the input is empty/)
  })
})

describe('jobRequestBytes against JobCoordinator.requestBytes on a real anvil', () => {
  let anvil: Anvil
  let chain: Connection
  let deployment: Deployment

  before(async () => {
    anvil = await startAnvil()
    deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey,
      params: { initialSupply: 10n ** 24n },
    })
    chain = await connect({ rpcUrl: anvil.rpcUrl, privateKey: deployerKey })
    const { models, token, jobCoordinator } = deployment.contracts
    await send({
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny', 'ipfs://tiny', 0, deployment.deployer],
    })
    await send({
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [jobCoordinator, maxUint256],
    })
  })
  after(async () => {
    await anvil?.stop()
  })

  async function send(call: Parameters<NonNullable<Connection['walletClient']>['writeContract']>[0]) {
    const wallet = chain.walletClient
    assert.ok(wallet)
    const hash = await wallet.writeContract(call)
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
  }

  const cases: { input: string; maxTokens: number; temperatureMilli: number; seed: bigint }[] = [
    { input: '[{"content":"Hi","role":"user"}]', maxTokens: 16, temperatureMilli: 0, seed: 0n },
    { input: '[{"content":"Hi","role":"user"}]', maxTokens: 1, temperatureMilli: 5, seed: 1n },
    {
      input: '[{"content":"Why?","role":"user"}]',
      maxTokens: 4096,
      temperatureMilli: 50,
      seed: 2n ** 53n - 1n,
    },
    {
      input: JSON.stringify([
        { content: 'Be brief.', role: 'system' },
        { content: 'Ünïcødé "quotes" \\ and\nnew lines', role: 'user' },
      ]),
      maxTokens: 64,
      temperatureMilli: 700,
      seed: 42n,
    },
    { input: '[{"content":"x","role":"user"}]', maxTokens: 2, temperatureMilli: 1000, seed: 7n },
    { input: '[{"content":"x","role":"user"}]', maxTokens: 3, temperatureMilli: 1250, seed: 123456789n },
    { input: '[{"content":"x","role":"user"}]', maxTokens: 4, temperatureMilli: 1999, seed: 8n },
    { input: '[{"content":"x","role":"user"}]', maxTokens: 5, temperatureMilli: 2000, seed: 9n },
    // Not canonical (spaces): the coordinator and the helper both keep the input verbatim.
    { input: '[ {"role": "user", "content": "x"} ]', maxTokens: 6, temperatureMilli: 330, seed: 10n },
  ]

  it('builds, for each job, the bytes the coordinator returns and hashes into requestHash', async () => {
    const { jobCoordinator } = deployment.contracts
    const read = chain.publicClient.readContract
    for (const [index, c] of cases.entries()) {
      await send({
        address: jobCoordinator,
        abi: jobCoordinatorAbi,
        functionName: 'request',
        args: [
          {
            modelId,
            input: stringToHex(c.input),
            maxTokens: c.maxTokens,
            temperatureMilli: c.temperatureMilli,
            seed: c.seed,
            maxPayment: 10n ** 18n,
            callbackGasLimit: 0,
            ttl: 3600n,
          },
        ],
      })
      const jobId = BigInt(index + 1)
      const onChain = await read({
        address: jobCoordinator,
        abi: jobCoordinatorAbi,
        functionName: 'requestBytes',
        args: [jobId, stringToHex(c.input)],
      })
      const ours = jobRequestBytes({ modelId, ...c })
      assert.equal(ours, onChain, `case ${index}: ${c.input} at ${c.temperatureMilli}`)
      const job = await read({
        address: jobCoordinator,
        abi: jobCoordinatorAbi,
        functionName: 'getJob',
        args: [jobId],
      })
      assert.equal(keccak256(ours), job.requestHash, `case ${index}`)
    }
  })
})
