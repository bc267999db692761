import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, runCli, spawnCli } from '@infermesh/cli/testing'
import {
  meshTokenAbi,
  modelRegistryAbi,
  modelSharesAbi,
  modelSharesFactoryAbi,
  paymentsAbi,
} from '@infermesh/protocol'
import OpenAI from 'openai'
import { type Address, createPublicClient, createTestClient, type Hex, http, parseEther } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

const mnemonic = 'test test test test test test test test test test test junk'
const dev = (index: number) => mnemonicToAccount(mnemonic, { addressIndex: index }).address
/** Anvil's dev accounts on a devnet with one provider: 0 deploys (and owns "tiny"); 7, 8, 9 are unused. */
const [owner, flopOwner, alice, bob] = [0, 7, 8, 9]

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * Model revenue shares on a real network, every part its own process (`infermesh up` with one provider):
 * the owner of "tiny" sells shares of its royalties with `infermesh model offer`, buyers buy and take
 * delivery with `infermesh model buy|claim`; customers' requests through the gateway are paid by vouchers
 * the provider redeems, whose royalties flow to the share holders, who claim them: Σ claimed + Σ claimable
 * + dust == royalties received, to the wei. A second model's offering misses its minimum raise and
 * refunds every buyer to the wei.
 */
describe('model revenue shares on a devnet: royalties of real redemptions reach share holders', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let devnetFile: string
  let modelId: Hex
  let shares: Address
  let offering: Address
  const publicClient = () => createPublicClient({ transport: http(devnet.rpcUrl) })
  const cli = (args: string[], account: number) =>
    runCli(['model', ...args, '--devnet', devnetFile, '--dev-account', String(account)])
  const mesh = (account: Address, blockNumber?: bigint) =>
    publicClient().readContract({
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [account],
      ...(blockNumber !== undefined && { blockNumber }),
    })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-e2e-shares-'))
    up = spawnCli([
      'up',
      '--providers',
      '1',
      '--validators',
      '0',
      '--chain-port',
      '0',
      '--port',
      '0',
      '--dir',
      dir,
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 240_000)
    devnetFile = join(dir, 'devnet.json')
    devnet = JSON.parse(await readFile(devnetFile, 'utf8')) as Devnet
    modelId = await publicClient().readContract({
      address: devnet.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'modelIdOfName',
      args: ['tiny'],
    })
  })
  after(async () => {
    await up?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('the owner offers shares, buyers buy, and a failed offering refunds every buyer to the wei', async () => {
    const offer = await cli(
      [
        'offer',
        'tiny',
        '--offer',
        '300000',
        '--price',
        '0.001',
        '--min-raise',
        '100',
        '--duration',
        '1h',
        '--royalty-bps',
        '1000',
      ],
      owner,
    )
    assert.equal(offer.code, 0, offer.stderr)
    const factory = devnet.contracts.modelSharesFactory
    shares = await publicClient().readContract({
      address: factory,
      abi: modelSharesFactoryAbi,
      functionName: 'sharesOf',
      args: [modelId],
    })
    offering = await publicClient().readContract({
      address: factory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [modelId],
    })
    for (const [account, amount] of [
      [alice, '100000'],
      [bob, '50000'],
    ] as const) {
      const buy = await cli(['buy', 'tiny', amount], account)
      assert.equal(buy.code, 0, buy.stderr)
    }

    // "flop": a model of account 7 whose sale needs 1,000 MESH and raises 7.5.
    const flopId = `0x${'f1'.repeat(32)}` as Hex
    const register = await cli(
      ['register', '--id', flopId, '--name', 'flop', '--royalty-bps', '300'],
      flopOwner,
    )
    assert.equal(register.code, 0, register.stderr)
    const flopOffer = await cli(
      [
        'offer',
        'flop',
        '--supply',
        '10000',
        '--offer',
        '5000',
        '--price',
        '0.5',
        '--min-raise',
        '1000',
        '--duration',
        '1h',
      ],
      flopOwner,
    )
    assert.equal(flopOffer.code, 0, flopOffer.stderr)
    const before = { alice: await mesh(dev(alice)), bob: await mesh(dev(bob)) }
    assert.equal((await cli(['buy', 'flop', '10'], alice)).code, 0)
    assert.equal((await cli(['buy', 'flop', '5.000000000000000001'], bob)).code, 0)
    assert.equal(before.alice - (await mesh(dev(alice))), parseEther('5'))
    assert.equal(before.bob - (await mesh(dev(bob))), parseEther('2.5') + 1n, 'the cost is rounded up')

    // An hour and a day later: both sales have ended and tiny's royalty (a rise, 25 h) is in force.
    const test = createTestClient({ mode: 'anvil', transport: http(devnet.rpcUrl) })
    await test.increaseTime({ seconds: 26 * 3600 })
    await test.mine({ blocks: 1 })
    for (const account of [alice, bob]) {
      const refund = await cli(['claim', 'flop'], account)
      assert.equal(refund.code, 0, refund.stderr)
      assert.match(refund.stdout, /refunded \d+(\.\d+)? MESH: the offering missed its minimum raise\./)
    }
    assert.equal(await mesh(dev(alice)), before.alice, 'alice got back every wei she paid')
    assert.equal(await mesh(dev(bob)), before.bob, 'bob got back every wei he paid')
    const flopOffering = await publicClient().readContract({
      address: factory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [flopId],
    })
    assert.equal(await mesh(flopOffering), 0n)

    for (const account of [alice, bob]) {
      const delivery = await cli(['claim', 'tiny'], account)
      assert.equal(delivery.code, 0, delivery.stderr)
      assert.match(delivery.stdout, /received \d+ shares bought in the offering\./)
    }
    const balance = (account: number) =>
      publicClient().readContract({
        address: shares,
        abi: modelSharesAbi,
        functionName: 'balanceOf',
        args: [dev(account)],
      })
    assert.equal(await balance(alice), parseEther('100000'))
    assert.equal(await balance(bob), parseEther('50000'))
    assert.equal(await balance(owner), parseEther('850000'), '700,000 kept and 150,000 unsold')
  })

  it('royalties of vouchers the provider redeems flow to the holders, who claim them to the wei', async () => {
    assert.ok(devnet.gateway)
    const client = new OpenAI({
      baseURL: `${devnet.gateway.url}/v1`,
      apiKey: devnet.gateway.apiKey,
      maxRetries: 0,
    })
    const redeemedRoyalty = async (toBlock?: bigint) =>
      (
        await publicClient().getContractEvents({
          address: devnet.contracts.payments,
          abi: paymentsAbi,
          eventName: 'Redeemed',
          args: { modelId },
          fromBlock: BigInt(devnet.startBlock),
          ...(toBlock !== undefined && { toBlock }),
        })
      ).reduce((sum, event) => sum + (event.args.royalty ?? 0n), 0n)
    for (let i = 0; i < 6; i++)
      await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: `Hello ${i}` }],
        max_tokens: 8,
      })
    // The provider redeems its vouchers every 10 s; a redemption pays the model's royalty to the shares.
    await until('a redemption that pays tiny a royalty', 120_000, async () =>
      (await redeemedRoyalty()) > 0n ? true : undefined,
    )

    // At one block: every wei of royalty received is claimable, claimed or dust.
    const holders = [dev(owner), dev(alice), dev(bob), offering]
    const identityAt = async (blockNumber: bigint) => {
      const read = (functionName: 'totalClaimed' | 'dust' | 'totalIncome') =>
        publicClient().readContract({ address: shares, abi: modelSharesAbi, functionName, blockNumber })
      let claimable = 0n
      for (const holder of holders)
        claimable += await publicClient().readContract({
          address: shares,
          abi: modelSharesAbi,
          functionName: 'claimable',
          args: [holder],
          blockNumber,
        })
      const [claimed, dust, income] = await Promise.all([
        read('totalClaimed'),
        read('dust'),
        read('totalIncome'),
      ])
      const received = await redeemedRoyalty(blockNumber)
      assert.equal(income, received, `income == royalties redeemed at block ${blockNumber}`)
      assert.equal(
        claimable + claimed + dust,
        received,
        `Σ claimable + claimed + dust == royalties at ${blockNumber}`,
      )
      return { claimed, received }
    }
    const first = await identityAt(await publicClient().getBlockNumber())
    assert.ok(first.received > 0n)

    for (const account of [alice, bob, owner]) {
      const block = await publicClient().getBlockNumber()
      const before = await mesh(dev(account), block)
      const claim = await cli(['claim', 'tiny'], account)
      assert.equal(claim.code, 0, claim.stderr)
      assert.match(claim.stdout, /claimed \d+(\.\d+)? MESH of royalties\./)
      const events = await publicClient().getContractEvents({
        address: shares,
        abi: modelSharesAbi,
        eventName: 'Claimed',
        args: { account: dev(account) },
        fromBlock: block + 1n,
      })
      const paid = events.reduce((sum, event) => sum + (event.args.amount ?? 0n), 0n)
      assert.ok(paid > 0n)
      assert.equal((await mesh(dev(account))) - before, paid, 'the holder received exactly what it claimed')
    }
    const last = await identityAt(await publicClient().getBlockNumber())
    assert.ok(last.claimed > 0n)

    // The explorer shows the token, its holders with their balances and the offering's outcome.
    assert.ok(devnet.explorer)
    const explorerUrl = devnet.explorer.url
    const info = await until('the explorer to index the shares', 60_000, async () => {
      const { models } = (await (await fetch(`${explorerUrl}/api/models`)).json()) as {
        models: {
          modelId: string
          shares: {
            shares: string
            claimed: string
            holders: { address: string; balance: string }[]
            offering: { state: string; sold: string } | null
          } | null
        }[]
      }
      const tiny = models.find((m) => m.modelId.toLowerCase() === modelId.toLowerCase())?.shares
      return tiny && BigInt(tiny.claimed) >= last.claimed ? tiny : undefined
    })
    assert.equal(info.shares, shares.toLowerCase())
    assert.equal(info.offering?.state, 'succeeded')
    assert.equal(info.offering?.sold, parseEther('150000').toString())
    assert.deepEqual(
      info.holders.map((h) => [h.address, h.balance]),
      [
        [dev(owner).toLowerCase(), parseEther('850000').toString()],
        [dev(alice).toLowerCase(), parseEther('100000').toString()],
        [dev(bob).toLowerCase(), parseEther('50000').toString()],
      ],
    )
  })
})
