import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { modelIdOfFile } from '@infermesh/llama/modelIdOfFile'
import {
  type DevChain,
  devDeployerKey,
  meshTokenAbi,
  modelRegistryAbi,
  modelSharesAbi,
  modelSharesFactoryAbi,
  paymentsAbi,
  shareOfferingAbi,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import { type Address, createTestClient, type Hex, http, parseEther } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { runCli } from '../testing/runCli.js'

/**
 * `infermesh model register|offer|buy|claim|show` as a person runs them, against a real anvil with the
 * contracts deployed; royalties come from real redemptions of signed vouchers.
 */
describe('infermesh model register, offer, buy, claim and show on a devnet chain', () => {
  let dir: string
  let devnetFile: string
  let chain: DevChain
  let weights: string
  let modelId: Hex
  let shares: Address
  let offering: Address
  let cumulative = 0n
  const author = () => chain.account(1)
  const buyer = () => chain.account(2)
  const buyer2 = () => chain.account(3)
  const payer = () => chain.account(4)
  const provider = () => chain.account(5)
  const cli = (args: string[]) => runCli(['model', ...args, '--devnet', devnetFile])
  const read = <T>(call: Parameters<DevChain['publicClient']['readContract']>[0]) =>
    chain.publicClient.readContract(call) as Promise<T>
  const mesh = (account: Address) =>
    read<bigint>({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [account],
    })
  const advance = async (seconds: number) => {
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    await test.increaseTime({ seconds })
    await test.mine({ blocks: 1 })
  }
  /** The payer's next voucher for `amount` more is redeemed by the provider: Payments credits the royalty. */
  const earn = async (model: Hex, amount: bigint) => {
    cumulative += amount
    const voucher = {
      payer: payer().address,
      provider: provider().address,
      modelId: model,
      cumulativeAmount: cumulative,
    }
    const signature = await signVoucher({
      account: payer(),
      chainId: chain.deployment.chainId,
      payments: chain.deployment.contracts.payments,
      voucher,
    })
    await chain.send(provider(), {
      address: chain.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-model-cli-'))
    chain = await startDevChain()
    devnetFile = join(dir, 'devnet.json')
    await writeFile(
      devnetFile,
      JSON.stringify({
        chainId: chain.deployment.chainId,
        rpcUrl: chain.anvil.rpcUrl,
        startBlock: chain.deployment.startBlock.toString(),
        contracts: chain.deployment.contracts,
        deployer: { address: privateKeyToAddress(devDeployerKey), privateKey: devDeployerKey },
      }),
    )
    weights = join(dir, 'tiny.gguf')
    await writeFile(weights, randomBytes(4096))
    modelId = await modelIdOfFile(weights)
    for (const account of [buyer(), buyer2()]) await chain.fund(account.address, parseEther('100000'))
    await chain.fund(payer().address, parseEther('100000'))
    await chain.deposit(payer(), parseEther('100000'), [
      { provider: provider().address, amount: parseEther('100000') },
    ])
  })
  after(async () => {
    await chain?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('register puts the model in the ModelRegistry with its owner and a royalty that waits its delay', async () => {
    const result = await cli([
      'register',
      weights,
      '--name',
      'tiny',
      '--royalty-bps',
      '1000',
      '--dev-account',
      '1',
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stdout,
      new RegExp(`^registering model tiny \\(${modelId}\\) for ${author().address}`),
    )
    assert.match(
      result.stdout,
      new RegExp(
        `Registered tiny \\(${modelId}\\), owned by ${author().address}; its royalty of 1000 bps to ${author().address} takes effect in 25 h 0 min \\(`,
      ),
    )
    const model = await read<{ owner: Address; name: string }>({
      address: chain.deployment.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'getModel',
      args: [modelId],
    })
    assert.equal(model.owner, author().address)
    assert.equal(model.name, 'tiny')
  })

  it('register refuses a model registered already, and bad input before touching the chain', async () => {
    const again = await cli(['register', '--id', modelId, '--name', 'other', '--dev-account', '2'])
    assert.equal(again.code, 1)
    assert.match(
      again.stderr,
      new RegExp(
        `^infermesh model register failed: register would revert: model ${modelId} is registered already \\("infermesh model show" names its owner\\)\\n$`,
      ),
    )
    const bad = await cli([
      'register',
      weights,
      '--name',
      'x',
      '--royalty-bps',
      '20000',
      '--dev-account',
      '1',
    ])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--royalty-bps must be a whole number of basis points from 0 to 10000/)
    const noSigner = await cli(['register', '--id', `0x${'ab'.repeat(32)}`, '--name', 'x'])
    assert.equal(noSigner.code, 2)
    assert.match(noSigner.stderr, /who signs\? give --keystore FILE \(or --dev-account N on a devnet\)/)
  })

  it('offer by anyone but the model owner is refused, saying who owns it', async () => {
    const result = await cli(['offer', 'tiny', '--offer', '1000', '--price', '1', '--dev-account', '2'])
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `infermesh model offer failed: create would revert: ${buyer().address} does not own model ${modelId}: only its owner can do this\n`,
    )
  })

  it('offer creates the share token and a Dutch auction, and routes the royalty to the token', async () => {
    const result = await cli([
      ...['offer', 'tiny', '--offer', '300000', '--price', '0.02', '--floor-price', '0.01'],
      ...['--duration', '2d', '--min-raise', '1000', '--dev-account', '1'],
    ])
    assert.equal(result.code, 0, result.stderr)
    const factory = chain.deployment.contracts.modelSharesFactory
    shares = await read<Address>({
      address: factory,
      abi: modelSharesFactoryAbi,
      functionName: 'sharesOf',
      args: [modelId],
    })
    offering = await read<Address>({
      address: factory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [modelId],
    })
    assert.match(
      result.stdout,
      new RegExp(`Shares of tiny: TINYS "tiny shares" at ${shares}, 1000000 in all\\.`),
    )
    assert.match(
      result.stdout,
      /300000 shares at 0\.02 falling to 0\.01 MESH each, .* minimum raise 1000 MESH\./,
    )
    assert.match(result.stdout, /its rise to 1000 bps takes effect at /)
    const model = await read<{ royaltyReceiver: Address }>({
      address: chain.deployment.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'getModel',
      args: [modelId],
    })
    assert.equal(model.royaltyReceiver, shares)
    assert.equal(
      await read<bigint>({
        address: shares,
        abi: modelSharesAbi,
        functionName: 'balanceOf',
        args: [author().address],
      }),
      parseEther('700000'),
    )
    const again = await cli(['offer', 'tiny', '--offer', '1', '--price', '1', '--dev-account', '1'])
    assert.equal(again.code, 1)
    assert.match(
      again.stderr,
      /has its share token already \(0x[0-9a-fA-F]{40}\): one per model, its supply fixed\n$/,
    )
  })

  it('buy refuses a price above --max-price, then buys at the current price and pays exactly the cost', async () => {
    const tooLow = await cli(['buy', 'tiny', '1000', '--max-price', '0.001', '--dev-account', '2'])
    assert.equal(tooLow.code, 1)
    assert.match(
      tooLow.stderr,
      /buy would revert: the price is 0\.0\d+ MESH a share now, above the --max-price of 0\.001 MESH\n$/,
    )
    const before = await mesh(buyer().address)
    const result = await cli(['buy', 'tiny', '100000', '--max-price', '0.02', '--dev-account', '2'])
    assert.equal(result.code, 0, result.stderr)
    const paid = await read<bigint>({
      address: offering,
      abi: shareOfferingAbi,
      functionName: 'paidBy',
      args: [buyer().address],
    })
    assert.equal(before - (await mesh(buyer().address)), paid, 'the buyer paid exactly the recorded cost')
    assert.ok(paid > parseEther('1000') && paid <= parseEther('2000'))
    assert.match(result.stdout, /Bought 100000 shares at 0\.0\d+ MESH each for \d+(\.\d+)? MESH\./)
    const second = await cli(['buy', 'tiny', '5000', '--dev-account', '3'])
    assert.equal(second.code, 0, second.stderr)
  })

  it('show lists the royalty, the holders with their balances and the offering', async () => {
    const result = await cli(['show', 'tiny'])
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.split('\n')
    assert.equal(lines[0], `model tiny (${modelId}), owner ${author().address}`)
    assert.match(lines[1] ?? '', /^royalty: 0 bps to the share token, rising to 1000 bps at /)
    assert.equal(lines[2], 'royalties paid: 0 MESH over 0 redemptions')
    assert.match(
      result.stdout,
      new RegExp(`\\n  ${author().address}  700000 \\(70\\.00%\\)  claimable 0 MESH\\n`),
    )
    assert.match(
      result.stdout,
      new RegExp(`\\n  ${offering}  300000 \\(30\\.00%\\)  claimable 0 MESH  \\[offering escrow\\]\\n`),
    )
    assert.match(result.stdout, /offering: 0x[0-9a-fA-F]{40}, Open\n/)
    assert.match(
      result.stdout,
      /sold 105000 of 300000 shares, raised \d+(\.\d+)? MESH of a minimum 1000 MESH/,
    )
    const json = JSON.parse((await cli(['show', 'tiny', '--json'])).stdout)
    assert.equal(json.shares.holders.length, 2)
    assert.equal(json.offering.sold, parseEther('105000').toString())
  })

  it('claim finalizes the sale and delivers the shares; royalties of real redemptions are claimed to the wei', async () => {
    await advance(3 * 86_400) // past the sale's end and the royalty's 25 h delay
    const result = await cli(['claim', 'tiny', '--dev-account', '2'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, new RegExp(`${buyer().address} finalized the offering: it succeeded\\.`))
    assert.match(
      result.stdout,
      new RegExp(`${buyer().address} received 100000 shares bought in the offering\\.`),
    )

    await earn(modelId, parseEther('1234.5678'))
    const royalty = parseEther('123.45678')
    const show = JSON.parse((await cli(['show', 'tiny', '--json'])).stdout)
    assert.equal(show.royaltiesPaid, royalty.toString())
    const claimable = BigInt(
      show.shares.holders.find((h: { address: string }) => h.address === buyer().address).claimable,
    )
    // 100,000 of 1,000,000 shares: a tenth of the royalty, which splits evenly over the micro-shares.
    assert.equal(claimable, parseEther('12.345678'))
    const before = await mesh(buyer().address)
    const claim = await cli(['claim', 'tiny', '--dev-account', '2'])
    assert.equal(claim.code, 0, claim.stderr)
    assert.equal((await mesh(buyer().address)) - before, claimable)
    assert.match(claim.stdout, /claimed 12\.345678 MESH of royalties\./)
    const seller = await cli(['claim', 'tiny', '--dev-account', '1'])
    assert.equal(seller.code, 0, seller.stderr)
    const sharesRead = <T>(functionName: string, args: readonly unknown[] = []) =>
      read<T>({ address: shares, abi: modelSharesAbi, functionName, args } as never)
    let sumClaimable = 0n
    for (const holder of [author().address, buyer().address, buyer2().address, offering])
      sumClaimable += await sharesRead<bigint>('claimable', [holder])
    const claimed = await sharesRead<bigint>('totalClaimed')
    const dust = await sharesRead<bigint>('dust')
    assert.equal(
      sumClaimable + claimed + dust,
      royalty,
      'Σ claimable + claimed + dust == royalties paid, to the wei',
    )
    const nothing = await cli(['claim', 'tiny', '--dev-account', '2'])
    assert.equal(nothing.code, 0, nothing.stderr)
    assert.match(
      nothing.stdout,
      new RegExp(`Nothing to claim for ${buyer().address}: it holds 100000 shares\\.`),
    )
  })

  it('claim refunds every buyer of a failed offering to the wei and returns the shares to the owner', async () => {
    const id = `0x${'5a'.repeat(32)}` as Hex
    const register = await cli([
      'register',
      '--id',
      id,
      '--name',
      'flop',
      '--royalty-bps',
      '500',
      '--dev-account',
      '1',
    ])
    assert.equal(register.code, 0, register.stderr)
    const offer = await cli([
      ...['offer', 'flop', '--supply', '1000', '--offer', '500', '--price', '3'],
      ...['--duration', '1h', '--min-raise', '1500', '--dev-account', '1'],
    ])
    assert.equal(offer.code, 0, offer.stderr)
    const flopOffering = await read<Address>({
      address: chain.deployment.contracts.modelSharesFactory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [id],
    })
    const before2 = await mesh(buyer().address)
    const before3 = await mesh(buyer2().address)
    assert.equal((await cli(['buy', 'flop', '100', '--dev-account', '2'])).code, 0)
    assert.equal((await cli(['buy', 'flop', '33.333', '--dev-account', '3'])).code, 0)
    assert.equal(before2 - (await mesh(buyer().address)), parseEther('300'))
    assert.equal(before3 - (await mesh(buyer2().address)), parseEther('99.999'))
    await advance(3601)
    const refund2 = await cli(['claim', 'flop', '--dev-account', '2'])
    assert.equal(refund2.code, 0, refund2.stderr)
    assert.match(refund2.stdout, /finalized the offering: it failed\./)
    assert.match(refund2.stdout, /refunded 300 MESH: the offering missed its minimum raise\./)
    const refund3 = await cli(['claim', 'flop', '--dev-account', '3'])
    assert.equal(refund3.code, 0, refund3.stderr)
    assert.equal(await mesh(buyer().address), before2)
    assert.equal(await mesh(buyer2().address), before3)
    assert.equal(await mesh(flopOffering), 0n)
    const flopShares = await read<Address>({
      address: chain.deployment.contracts.modelSharesFactory,
      abi: modelSharesFactoryAbi,
      functionName: 'sharesOf',
      args: [id],
    })
    assert.equal(
      await read<bigint>({
        address: flopShares,
        abi: modelSharesAbi,
        functionName: 'balanceOf',
        args: [author().address],
      }),
      parseEther('1000'),
    )
    const show = await cli(['show', 'flop'])
    assert.match(show.stdout, /offering: 0x[0-9a-fA-F]{40}, Failed\n/)
  })
})
