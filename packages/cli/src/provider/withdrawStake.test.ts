import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  canonicalJson,
  type DevChain,
  disputesAbi,
  emptyTokensHash,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  type ProviderConfig,
  providerConfigSchema,
  registryAbi,
  signReceipt,
  startDevChain,
} from '@infermesh/protocol'
import { createTestClient, http, type LocalAccount, parseEther, stringToHex } from 'viem'
import { CliError } from '../CliError.js'
import { connectProviderChain } from './connectProviderChain.js'
import { unregisterProvider } from './unregisterProvider.js'
import { withdrawStake } from './withdrawStake.js'

const modelId = `0x${'cd'.repeat(32)}` as const

/**
 * A provider leaves while a dispute is open against it, on a real anvil with short dispute rounds: its
 * unbonding period ends, but the dispute freezes the stake until it resolves (here void: no validator
 * holds the model), then the whole stake comes back.
 */
describe('withdrawStake while a dispute is open', () => {
  let chain: DevChain
  let provider: LocalAccount
  let config: ProviderConfig
  const test = () => createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
  const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp
  const passTo = async (timestamp: bigint) => {
    const current = await now()
    if (current < timestamp) await test().increaseTime({ seconds: Number(timestamp - current) })
    await test().mine({ blocks: 2 })
  }

  before(async () => {
    chain = await startDevChain({
      params: {
        disputeWindow: 3600n,
        commitPeriod: 600n,
        revealPeriod: 600n,
        maxRounds: 2n,
        unbondingPeriod: 6000n,
      },
    })
    provider = chain.account(1)
    const { registry } = chain.deployment.contracts
    await chain.fund(provider.address, parseEther('1000'))
    await chain.stake(provider, parseEther('1000'))
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9001',
        'eu-west',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
        [{ modelId, pricePerMInput: 1n, pricePerMOutput: 2n }],
      ],
    })
    config = providerConfigSchema.parse({
      chain: { rpcUrl: chain.anvil.rpcUrl, contracts: chain.deployment.contracts },
      keystore: { privateKey: `0x${'11'.repeat(32)}` },
      backend: { kind: 'llama', models: [{ name: 'tiny', path: '/nonexistent.gguf' }] },
      offers: [{ model: 'tiny', pricePerMInput: '1', pricePerMOutput: '2' }],
      registration: {
        endpoint: 'http://127.0.0.1:9001',
        region: 'eu-west',
        hardware: { cpuCores: 2, ramMb: 1024 },
      },
    })
  })
  after(async () => {
    await chain?.stop()
  })

  it('refuses while the stake is frozen, saying why, and pays the whole stake once the dispute is void', async () => {
    const connected = await connectProviderChain(config, provider)
    const { unbondingEnd } = await unregisterProvider({ config, chain: connected, log: () => {} })

    // Anyone may dispute work the provider signed, after it left: here without a sample (no reward).
    const { payments, disputes, token } = chain.deployment.contracts
    const challenger = chain.account(2)
    await chain.fund(challenger.address, parseEther('100'))
    await chain.send(challenger, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, parseEther('100')],
    })
    const body = { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }
    const receipt = {
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse('noise'),
      tokensHash: emptyTokensHash,
      modelId,
      payer: chain.account(3).address,
      provider: provider.address,
      inputTokens: 2n,
      outputTokens: 4n,
      servedAt: await now(),
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

    await passTo(unbondingEnd)
    await assert.rejects(withdrawStake({ config, chain: connected, log: () => {} }), (error) => {
      assert.ok(error instanceof CliError)
      assert.equal(
        error.message,
        `1000 MESH has unbonded, but 1 open dispute against ${provider.address} freezes it: withdraw once it is resolved (a guilty verdict slashes it first)`,
      )
      return true
    })

    // No validator holds the model: both rounds draw nobody, and the dispute ends void.
    const dispute = async () =>
      chain.publicClient.readContract({
        address: disputes,
        abi: disputesAbi,
        functionName: 'getDispute',
        args: [1n],
      })
    for (let round = 1; round <= 2; round++) {
      await test().mine({ blocks: 2 }) // past the round's draw block
      await chain.send(challenger, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'drawCommittee',
        args: [1n],
      })
      await passTo((await dispute()).revealEnds)
      await chain.send(challenger, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'resolve',
        args: [1n],
      })
    }
    assert.equal((await dispute()).outcome, 3, 'void')

    const wallet = () =>
      chain.publicClient.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [provider.address],
      })
    const before = await wallet()
    const result = await withdrawStake({ config, chain: connected, log: () => {} })
    assert.equal(result.amount, parseEther('1000'))
    assert.equal((await wallet()) - before, parseEther('1000'))
  })
})
