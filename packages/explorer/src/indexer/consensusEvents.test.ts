import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type DevChain,
  emissionsAbi,
  meshTokenAbi,
  paymentsAbi,
  registryAbi,
  signVoucher,
  startDevChain,
  uptimeAbi,
} from '@infermesh/protocol'
import pino from 'pino'
import { createTestClient, type Hex, http, parseEther } from 'viem'
import { explorerConfigSchema } from '../explorerConfig.js'
import { type RunningExplorer, startExplorer } from '../startExplorer.js'

const modelId = `0x${'cd'.repeat(32)}` as Hex
const EPOCH = 3600

type ProviderDetail = {
  epochScores: { epoch: string; score: number; active: boolean }[]
  uptimeFloor: number | null
  emissions: {
    availability: string
    work: string
    total: string
    byEpoch: { epoch: string; availability: string; work: string; total: string }[]
  }
}
type Overview = {
  supply: { minted: string }
  emissions: { total: string; byEpoch: { epoch: string; total: string; validation: string }[] }
}

/**
 * Uptime and emissions on a real anvil: a validator reports a provider's score for epoch 0, the epoch is
 * finalized and claimed, the owner moves the floor; the explorer shows what the chain has.
 */
describe('the explorer on the consensus contracts', () => {
  let chain: DevChain
  let explorer: RunningExplorer
  const provider = () => chain.account(1)
  const validator = () => chain.account(2)
  const payer = () => chain.account(3)
  const get = async <T>(path: string) => (await (await fetch(`${explorer.url}${path}`)).json()) as T
  /** Waits until the explorer has indexed the chain's newest block. */
  const caughtUp = async () => {
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    const deadline = Date.now() + 120_000 // bounds a hang only (a loaded machine indexes slowly)
    while (explorer.indexer.progress().indexedBlock < head) {
      if (Date.now() > deadline) throw new Error(`the explorer did not index block ${head} in 120 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  before(async () => {
    chain = await startDevChain()
    const { token, registry, payments } = chain.deployment.contracts
    for (const account of [provider(), validator(), payer()])
      await chain.mint(account.address, parseEther('5000'))
    for (const [account, stake] of [
      [provider(), parseEther('2000')],
      [validator(), parseEther('1000')],
    ] as const) {
      await chain.send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, stake],
      })
      await chain.send(account, { address: registry, abi: registryAbi, functionName: 'stake', args: [stake] })
    }
    await chain.send(provider(), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'eu-west',
        { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 16, ramMb: 65536 },
        [{ modelId, pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('2') }],
      ],
    })
    await chain.send(validator(), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerValidator',
      args: ['http://127.0.0.1:9'],
    })
    const { uptime } = chain.deployment.contracts
    await chain.send(validator(), {
      address: uptime,
      abi: uptimeAbi,
      functionName: 'submitScores',
      args: [0n, [provider().address], [9000]],
    })
    // Paid work in epoch 0: 100 MESH redeemed.
    await chain.deposit(payer(), parseEther('100'), [
      { provider: provider().address, amount: parseEther('100') },
    ])
    const voucher = {
      payer: payer().address,
      provider: provider().address,
      modelId,
      cumulativeAmount: parseEther('100'),
    }
    const signature = await signVoucher({
      account: payer(),
      chainId: chain.deployment.chainId,
      payments,
      voucher,
    })
    await chain.send(provider(), {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    explorer = await startExplorer({
      config: explorerConfigSchema.parse({
        chain: {
          rpcUrl: chain.anvil.rpcUrl,
          contracts: chain.deployment.contracts,
          startBlock: chain.deployment.startBlock.toString(),
        },
        server: { port: 0 },
        indexer: { confirmations: 0, pollMs: 100 },
        probes: { intervalMs: 60_000, timeoutMs: 300 },
        validators: { intervalMs: 60_000, timeoutMs: 300 },
      }),
      logger: pino({ level: 'silent' }),
    })
  })
  after(async () => {
    await explorer?.close()
    await chain?.stop()
  })

  it('shows the floor the Uptime contract was deployed with, and no score before an epoch is finalized', async () => {
    const p = await get<ProviderDetail>(`/api/providers/${provider().address}`)
    assert.deepEqual(p.epochScores, [])
    assert.equal(p.uptimeFloor, 8000)
    assert.equal(p.emissions.total, '0')
  })

  it("shows a finalized epoch's score and the emissions claimed for it, as the chain has them", async () => {
    const { uptime, emissions } = chain.deployment.contracts
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    // Claims open once the challenge window (1 epoch) has passed.
    await test.increaseTime({ seconds: 2 * EPOCH })
    await test.mine({ blocks: 1 })
    await chain.send(payer(), { address: uptime, abi: uptimeAbi, functionName: 'finalize', args: [0n, 10n] })
    for (const account of [provider(), validator()])
      await chain.send(payer(), {
        address: emissions,
        abi: emissionsAbi,
        functionName: 'claim',
        args: [0n, account.address],
      })
    await caughtUp()

    const [score, reported] = await chain.publicClient.readContract({
      address: uptime,
      abi: uptimeAbi,
      functionName: 'scoreOf',
      args: [0n, provider().address],
    })
    assert.equal(reported, true)
    const p = await get<ProviderDetail>(`/api/providers/${provider().address}`)
    assert.deepEqual(p.epochScores, [{ epoch: '0', score, active: true }])
    assert.equal(score, 9000)

    const claims = await chain.publicClient.getContractEvents({
      address: emissions,
      abi: emissionsAbi,
      eventName: 'Claimed',
      fromBlock: 0n,
    })
    const mine = claims.find((c) => c.args.account === provider().address)?.args
    assert.ok(mine)
    assert.deepEqual(p.emissions.byEpoch, [
      {
        epoch: '0',
        availability: String(mine.availability),
        work: String(mine.work),
        validation: '0',
        total: String((mine.availability ?? 0n) + (mine.work ?? 0n)),
      },
    ])
    // 400 MESH for uptime (the only provider), work capped at 2.5% of the 100 MESH paid.
    assert.equal(p.emissions.availability, parseEther('400').toString())
    assert.equal(p.emissions.work, parseEther('2.5').toString())

    const emitted = await chain.publicClient.readContract({
      address: emissions,
      abi: emissionsAbi,
      functionName: 'emittedIn',
      args: [0n],
    })
    const overview = await get<Overview>('/api/overview')
    assert.equal(overview.emissions.total, emitted.toString())
    assert.deepEqual(
      overview.emissions.byEpoch.map((e) => [e.epoch, e.total]),
      [['0', emitted.toString()]],
    )
    assert.equal(overview.emissions.byEpoch[0]?.validation, parseEther('200').toString(), 'the one validator')
    const minted = await chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'totalMinted',
    })
    assert.equal(overview.supply.minted, minted.toString(), 'emissions are part of the minted supply')
  })

  it('follows the floor when the owner sets another one', async () => {
    await chain.send(chain.account(0), {
      address: chain.deployment.contracts.uptime,
      abi: uptimeAbi,
      functionName: 'setFloor',
      args: [9500],
    })
    await caughtUp()
    const p = await get<ProviderDetail>(`/api/providers/${provider().address}`)
    assert.equal(p.uptimeFloor, 9500)
  })
})
