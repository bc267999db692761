import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type DevChain,
  meshTokenAbi,
  type ProviderConfig,
  providerConfigSchema,
  registryAbi,
  startDevChain,
  uptimeAbi,
} from '@infermesh/protocol'
import { createTestClient, http, type LocalAccount, parseEther } from 'viem'
import { claimEmissions } from './claimEmissions.js'
import { connectProviderChain } from './connectProviderChain.js'

const modelId = `0x${'cd'.repeat(32)}` as const

/**
 * A provider's emissions on a real anvil: a validator scores it for epoch 0, the epoch is finalized,
 * and `claimEmissions` mints its uptime share once.
 */
describe('claimEmissions', () => {
  let chain: DevChain
  let provider: LocalAccount
  let config: ProviderConfig

  before(async () => {
    chain = await startDevChain()
    provider = chain.account(1)
    const validator = chain.account(2)
    const { registry, uptime } = chain.deployment.contracts
    for (const account of [provider, validator]) {
      await chain.mint(account.address, parseEther('2000'))
      await chain.stake(account, parseEther('1000'))
    }
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
    await chain.send(validator, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerValidator',
      args: ['http://127.0.0.1:9002'],
    })
    await chain.send(validator, {
      address: uptime,
      abi: uptimeAbi,
      functionName: 'submitScores',
      args: [0n, [provider.address], [9000]],
    })
    // Two epochs later epoch 0 may be finalized, and its challenge window (one epoch) has passed.
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    await test.increaseTime({ seconds: 2 * 3600 + 1 })
    await test.mine({ blocks: 1 })
    await chain.send(validator, {
      address: uptime,
      abi: uptimeAbi,
      functionName: 'finalize',
      args: [0n, 10n],
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

  it("mints the provider's uptime share of a finalized epoch once, then finds nothing more", async () => {
    const lines: string[] = []
    const connected = await connectProviderChain(config, provider)
    const before = await chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [provider.address],
    })
    const first = await claimEmissions({ config, chain: connected, log: (line) => lines.push(line) })
    // 1,000 MESH in epoch 0, 40% for uptime, all of it to the only provider above the floor; no paid work.
    assert.deepEqual(first, {
      claimed: [{ epoch: 0n, availability: parseEther('400'), work: 0n, validation: 0n }],
      deferred: [],
    })
    assert.match(lines[0] ?? '', /^claim {12}0x[0-9a-f]{64}$/)
    const after = await chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [provider.address],
    })
    assert.equal(after - before, parseEther('400'))
    assert.deepEqual(await claimEmissions({ config, chain: connected, log: () => {} }), {
      claimed: [],
      deferred: [],
    })
  })

  it('says what is missing when the deployment has no Emissions contract', async () => {
    const { emissions: _e, uptime: _u, ...older } = chain.deployment.contracts
    const without = providerConfigSchema.parse({ ...config, chain: { ...config.chain, contracts: older } })
    await assert.rejects(
      claimEmissions({
        config: without,
        chain: await connectProviderChain(without, provider),
        log: () => {},
      }),
      {
        name: 'CliError',
        message:
          'this deployment has no Emissions and Uptime contracts (chain.contracts.emissions, chain.contracts.uptime in the config)',
      },
    )
  })
})
