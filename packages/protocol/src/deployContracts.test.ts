import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Account,
  type Address,
  ContractFunctionRevertedError,
  createWalletClient,
  type Hex,
  hashTypedData,
  http,
  parseEther,
  BaseError as ViemBaseError,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { disputesAbi } from './abis/Disputes.js'
import { emissionsAbi } from './abis/Emissions.js'
import { meshTokenAbi } from './abis/MeshToken.js'
import { modelRegistryAbi } from './abis/ModelRegistry.js'
import { paymentsAbi } from './abis/Payments.js'
import { registryAbi } from './abis/Registry.js'
import { uptimeAbi } from './abis/Uptime.js'
import { type Connection, connect } from './connect.js'
import { deployContracts } from './deployContracts.js'
import type { Deployment } from './deployment.js'
import { paymentsDomain, voucherTypes } from './eip712.js'
import { signVoucher } from './signVoucher.js'
import { type Anvil, anvilMnemonic, startAnvil } from './startAnvil.js'
import { verifyVoucher } from './verifyVoucher.js'

const devAccount = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })
const deployer = devAccount(0)
// anvil's first dev key (public; the key of `deployer`).
const deployerKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const provider = devAccount(1)
const payer = devAccount(2)
const author = devAccount(3)
const royaltyReceiver = devAccount(4).address
const modelId: Hex = `0x${'ab'.repeat(32)}`

/** The revert error name viem decoded from a failed call. */
async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ViemBaseError) {
      const revert = error.walk((e) => e instanceof ContractFunctionRevertedError)
      if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName
    }
    throw error
  }
  return undefined
}

describe('contracts deployed to a real anvil with viem', () => {
  let anvil: Anvil
  let chain: Connection
  let deployment: Deployment

  /** Sends a contract call from `account` and waits for it to be mined successfully. */
  async function send(account: Account, call: Parameters<ReturnType<typeof walletFor>['writeContract']>[0]) {
    const hash = await walletFor(account).writeContract(call)
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    return receipt
  }
  function walletFor(account: Account) {
    return createWalletClient({ account, chain: chain.chain, transport: http(anvil.rpcUrl) })
  }
  const balanceOf = (account: Address) =>
    chain.publicClient.readContract({
      address: deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [account],
    })

  before(async () => {
    anvil = await startAnvil()
    chain = await connect({ rpcUrl: anvil.rpcUrl })
    deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployerKey,
      deployerIsMinter: true,
    })
    const { token } = deployment.contracts
    for (const account of [provider, payer]) {
      await send(deployer, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'mint',
        args: [account.address, parseEther('10000')],
      })
    }
  })

  after(async () => {
    await anvil?.stop()
  })

  it('deploys seven contracts wired to each other with the default parameters', async () => {
    const { token, registry, payments, models, uptime, disputes, emissions } = deployment.contracts
    const read = chain.publicClient.readContract
    assert.equal(
      await read({ address: registry, abi: registryAbi, functionName: 'isSlasher', args: [disputes] }),
      true,
    )
    assert.equal(
      await read({ address: token, abi: meshTokenAbi, functionName: 'isMinter', args: [emissions] }),
      true,
    )
    assert.equal(await read({ address: uptime, abi: uptimeAbi, functionName: 'floor' }), 8000)
    assert.equal(await read({ address: disputes, abi: disputesAbi, functionName: 'payments' }), payments)
    assert.equal(await read({ address: emissions, abi: emissionsAbi, functionName: 'uptime' }), uptime)
    const genesis = await read({ address: payments, abi: paymentsAbi, functionName: 'genesis' })
    for (const address of [uptime, disputes, emissions]) {
      assert.equal(await read({ address, abi: uptimeAbi, functionName: 'genesis' }), genesis)
      assert.equal(await read({ address, abi: uptimeAbi, functionName: 'epochLength' }), 3600n)
    }
    assert.equal(deployment.chainId, 31337)
    assert.equal(await read({ address: registry, abi: registryAbi, functionName: 'token' }), token)
    assert.equal(await read({ address: payments, abi: paymentsAbi, functionName: 'token' }), token)
    assert.equal(await read({ address: payments, abi: paymentsAbi, functionName: 'modelRegistry' }), models)
    assert.equal(
      await read({ address: registry, abi: registryAbi, functionName: 'minStake' }),
      parseEther('1000'),
    )
    assert.equal(await read({ address: payments, abi: paymentsAbi, functionName: 'burnBps' }), 500)
    assert.equal(await read({ address: token, abi: meshTokenAbi, functionName: 'owner' }), deployer.address)
  })

  it('lets a provider stake and register, and discovery sees it by view and by event', async () => {
    const { token, registry } = deployment.contracts
    await send(provider, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('2000')],
    })
    await send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('2000')],
    })
    const hardware = { gpuModel: 'RTX 4090', gpuCount: 2, vramMb: 49152, cpuCores: 16, ramMb: 65536 }
    const offer = { modelId, pricePerMInput: parseEther('0.5'), pricePerMOutput: parseEther('1.5') }
    await send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: ['http://127.0.0.1:9001', 'eu-west', hardware, [offer]],
    })

    const page = await chain.publicClient.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [0n, 10n],
    })
    assert.equal(page.length, 1)
    const [view] = page
    assert.equal(view?.provider, provider.address)
    assert.equal(view?.active, true)
    assert.equal(view?.stake, parseEther('2000'))
    assert.equal(view?.endpoint, 'http://127.0.0.1:9001')
    assert.equal(view?.region, 'eu-west')
    assert.deepEqual(view?.hardware, hardware)
    assert.deepEqual(view?.offers, [offer])

    const registered = await chain.publicClient.getContractEvents({
      address: registry,
      abi: registryAbi,
      eventName: 'ProviderRegistered',
      fromBlock: deployment.startBlock,
    })
    assert.equal(registered.length, 1)
    assert.equal(registered[0]?.args.provider, provider.address)
    assert.equal(registered[0]?.args.endpoint, 'http://127.0.0.1:9001')
    const offers = await chain.publicClient.getContractEvents({
      address: registry,
      abi: registryAbi,
      eventName: 'OfferSet',
      fromBlock: deployment.startBlock,
    })
    assert.deepEqual(
      offers.map((log) => log.args),
      [{ provider: provider.address, ...offer }],
    )
  })

  it('pays a provider exactly what the payer signed, minus burn and royalty, and never twice', async () => {
    const { token, payments, models } = deployment.contracts
    await send(author, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny-llama', 'ipfs://tiny', 1000, royaltyReceiver],
    })
    await send(payer, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [payments, parseEther('100')],
    })
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'deposit',
      args: [parseEther('100')],
    })

    const providerBefore = await balanceOf(provider.address)
    const supplyBefore = await chain.publicClient.readContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'totalSupply',
    })
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: parseEther('3'),
    }
    const signature = await signVoucher({ account: payer, chainId: deployment.chainId, payments, voucher })
    assert.equal(await verifyVoucher({ chainId: deployment.chainId, payments, voucher, signature }), true)
    const onChainDigest = await chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'hashVoucher',
      args: [voucher],
    })
    assert.equal(
      onChainDigest,
      hashTypedData({
        domain: paymentsDomain(deployment.chainId, payments),
        types: voucherTypes,
        primaryType: 'Voucher',
        message: voucher,
      }),
    )

    await send(provider, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    // 3 MESH: 5% burned (0.15), 10% royalty (0.3), the provider gets 2.55.
    assert.equal((await balanceOf(provider.address)) - providerBefore, parseEther('2.55'))
    const read = chain.publicClient.readContract
    assert.equal(
      await read({
        address: payments,
        abi: paymentsAbi,
        functionName: 'royaltiesOwed',
        args: [royaltyReceiver],
      }),
      parseEther('0.3'),
    )
    assert.equal(
      await read({ address: token, abi: meshTokenAbi, functionName: 'totalSupply' }),
      supplyBefore - parseEther('0.15'),
    )
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'balanceOf', args: [payer.address] }),
      parseEther('97'),
    )

    // The same voucher again pays nothing.
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: provider,
          address: payments,
          abi: paymentsAbi,
          functionName: 'redeem',
          args: [voucher, signature],
        }),
      ),
      'NothingToRedeem',
    )

    // A higher voucher, redeemed in a batch, pays only the difference.
    const next = { ...voucher, cumulativeAmount: parseEther('5') }
    const nextSignature = await signVoucher({
      account: payer,
      chainId: deployment.chainId,
      payments,
      voucher: next,
    })
    await send(provider, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeemBatch',
      args: [[{ voucher: next, signature: nextSignature }]],
    })
    assert.equal((await balanceOf(provider.address)) - providerBefore, parseEther('4.25'))
    assert.equal(
      await read({
        address: payments,
        abi: paymentsAbi,
        functionName: 'paid',
        args: [payer.address, provider.address, modelId],
      }),
      parseEther('5'),
    )
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'balanceOf', args: [payer.address] }),
      parseEther('95'),
    )
    assert.equal(await balanceOf(payments), parseEther('95.5'))

    // The royalty receiver claims what it was credited.
    await send(provider, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'claimRoyalties',
      args: [royaltyReceiver],
    })
    assert.equal(await balanceOf(royaltyReceiver), parseEther('0.5'))
  })

  it('refuses a voucher signed for another chain, another contract or by someone else', async () => {
    const { payments } = deployment.contracts
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: parseEther('9'),
    }
    const attempts = {
      'another chain': await signVoucher({ account: payer, chainId: 1, payments, voucher }),
      'another contract': await signVoucher({
        account: payer,
        chainId: deployment.chainId,
        payments: provider.address,
        voucher,
      }),
      'another key': await signVoucher({ account: provider, chainId: deployment.chainId, payments, voucher }),
    }
    for (const [label, signature] of Object.entries(attempts)) {
      assert.equal(
        await verifyVoucher({ chainId: deployment.chainId, payments, voucher, signature }),
        false,
        label,
      )
      assert.equal(
        await revertName(
          chain.publicClient.simulateContract({
            account: provider,
            address: payments,
            abi: paymentsAbi,
            functionName: 'redeem',
            args: [voucher, signature],
          }),
        ),
        'InvalidSignature',
        label,
      )
    }
  })
})
