import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Account,
  type Address,
  ContractFunctionRevertedError,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  hashTypedData,
  http,
  parseEther,
  BaseError as ViemBaseError,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { disputesAbi } from './abis/Disputes.js'
import { emissionsAbi } from './abis/Emissions.js'
import { jobCoordinatorAbi } from './abis/JobCoordinator.js'
import { meshTimelockAbi } from './abis/MeshTimelock.js'
import { meshTokenAbi } from './abis/MeshToken.js'
import { modelRegistryAbi } from './abis/ModelRegistry.js'
import { modelSharesFactoryAbi } from './abis/ModelSharesFactory.js'
import { paymentsAbi } from './abis/Payments.js'
import { questionOracleAbi } from './abis/QuestionOracle.js'
import { registryAbi } from './abis/Registry.js'
import { uptimeAbi } from './abis/Uptime.js'
import { verificationFeesAbi } from './abis/VerificationFees.js'
import { type Connection, connect } from './connect.js'
import { deployContracts } from './deployContracts.js'
import { type Deployment, defaultDeployParams, minUnbondingPeriod } from './deployment.js'
import { paymentsDomain, voucherTypes } from './eip712.js'
import { signVoucher } from './signVoucher.js'
import { type Anvil, anvilMnemonic, startAnvil } from './startAnvil.js'
import { devDeployParams, devInitialSupply } from './startDevChain.js'
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
      params: devDeployParams,
    })
    const { token } = deployment.contracts
    assert.equal(await balanceOf(deployer.address), devInitialSupply)
    for (const account of [provider, payer]) {
      await send(deployer, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [account.address, parseEther('10000')],
      })
    }
  })

  after(async () => {
    await anvil?.stop()
  })

  it('deploys eleven contracts wired to each other with the default parameters', async () => {
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
    // Disputes and Emissions hold their roles for good: the owner cannot name itself slasher or minter.
    assert.equal(await read({ address: registry, abi: registryAbi, functionName: 'slasher' }), disputes)
    assert.equal(await read({ address: token, abi: meshTokenAbi, functionName: 'minter' }), emissions)
    assert.equal(
      await read({ address: token, abi: meshTokenAbi, functionName: 'isMinter', args: [deployer.address] }),
      false,
    )
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: deployer,
          address: token,
          abi: meshTokenAbi,
          functionName: 'setMinter',
          args: [deployer.address],
        }),
      ),
      'MinterAlreadySet',
    )
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: deployer,
          address: registry,
          abi: registryAbi,
          functionName: 'setSlasher',
          args: [deployer.address],
        }),
      ),
      'SlasherAlreadySet',
    )
    assert.equal(
      await read({ address: models, abi: modelRegistryAbi, functionName: 'royaltyIncreaseDelay' }),
      25n * 3600n,
    )
    assert.equal(deployment.contracts.timelock, undefined)
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
    // Disputes: committees of 3 voting in two phases, at most 2 rounds, 3 days to dispute a receipt; the
    // 7 days of unbonding outlast the 5 days a provider stays disputable after its work.
    const disputeParams = await read({ address: disputes, abi: disputesAbi, functionName: 'params' })
    assert.equal(disputeParams.committeeSize, 3)
    assert.equal(BigInt(disputeParams.commitPeriod), 12n * 3600n)
    assert.equal(BigInt(disputeParams.revealPeriod), 12n * 3600n)
    assert.equal(BigInt(disputeParams.disputeWindow), 3n * 24n * 3600n)
    assert.equal(disputeParams.maxRounds, 2)
    assert.equal(
      BigInt(await read({ address: disputes, abi: disputesAbi, functionName: 'minUnbondingPeriod' })),
      minUnbondingPeriod(defaultDeployParams),
    )
    assert.equal(minUnbondingPeriod(defaultDeployParams), 5n * 24n * 3600n)
    assert.equal(
      BigInt(await read({ address: registry, abi: registryAbi, functionName: 'unbondingPeriod' })),
      7n * 24n * 3600n,
    )
    // VerificationFees: funded by 20% of the flushed burn, credited by Disputes, 5 MESH a vote at most,
    // on the same epoch clock; each link set once.
    const { verificationFees } = deployment.contracts
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'verificationFees' }),
      verificationFees,
    )
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'verificationShareBps' }),
      2000,
    )
    assert.equal(
      await read({ address: disputes, abi: disputesAbi, functionName: 'verificationFees' }),
      verificationFees,
    )
    assert.equal(
      await read({ address: verificationFees, abi: verificationFeesAbi, functionName: 'disputes' }),
      disputes,
    )
    assert.equal(
      await read({ address: verificationFees, abi: verificationFeesAbi, functionName: 'token' }),
      token,
    )
    assert.equal(
      await read({ address: verificationFees, abi: verificationFeesAbi, functionName: 'maxFeePerVote' }),
      parseEther('5'),
    )
    // ModelSharesFactory: reads model owners from the ModelRegistry and royalties from Payments; no owner.
    const { modelSharesFactory } = deployment.contracts
    assert.equal(
      await read({ address: modelSharesFactory, abi: modelSharesFactoryAbi, functionName: 'modelRegistry' }),
      models,
    )
    assert.equal(
      await read({ address: modelSharesFactory, abi: modelSharesFactoryAbi, functionName: 'payments' }),
      payments,
    )
    assert.equal(
      await read({ address: modelSharesFactory, abi: modelSharesFactoryAbi, functionName: 'count' }),
      0n,
    )
    assert.equal(await read({ address: verificationFees, abi: uptimeAbi, functionName: 'genesis' }), genesis)
    assert.equal(
      await read({ address: verificationFees, abi: uptimeAbi, functionName: 'epochLength' }),
      3600n,
    )
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: deployer,
          address: payments,
          abi: paymentsAbi,
          functionName: 'setVerificationFees',
          args: [deployer.address],
        }),
      ),
      'VerificationFeesAlreadySet',
    )
    // JobCoordinator: on this deployment's Registry, Payments and Disputes, with the default job parameters;
    // it approved Payments itself (payFor pulls from it); the QuestionOracle requests from it.
    const { jobCoordinator, questionOracle } = deployment.contracts
    const job = (functionName: 'registry' | 'payments' | 'disputes' | 'token' | 'owner') =>
      read({ address: jobCoordinator, abi: jobCoordinatorAbi, functionName })
    assert.equal(await job('registry'), registry)
    assert.equal(await job('payments'), payments)
    assert.equal(await job('disputes'), disputes)
    assert.equal(await job('token'), token)
    assert.equal(await job('owner'), deployer.address)
    assert.deepEqual(
      await read({ address: jobCoordinator, abi: jobCoordinatorAbi, functionName: 'params' }),
      {
        drawDelay: 1,
        responseWindow: 600n,
        jobBond: parseEther('10'),
        missPenalty: parseEther('1'),
        maxAttempts: 4,
      },
    )
    assert.equal(
      await read({
        address: token,
        abi: meshTokenAbi,
        functionName: 'allowance',
        args: [jobCoordinator, payments],
      }),
      2n ** 256n - 1n,
    )
    assert.equal(
      await read({ address: questionOracle, abi: questionOracleAbi, functionName: 'coordinator' }),
      jobCoordinator,
    )
  })

  it('refuses an unbonding period shorter than a provider stays disputable, in the Registry and in Disputes', async () => {
    const { registry, disputes } = deployment.contracts
    const minimum = minUnbondingPeriod(defaultDeployParams)
    const refusal = async (call: Promise<unknown>) => {
      try {
        await call
      } catch (error) {
        if (error instanceof ViemBaseError) {
          const revert = error.walk((e) => e instanceof ContractFunctionRevertedError)
          if (revert instanceof ContractFunctionRevertedError)
            return [revert.data?.errorName, ...(revert.data?.args ?? [])]
        }
        throw error
      }
      return undefined
    }
    assert.deepEqual(
      await refusal(
        chain.publicClient.simulateContract({
          account: deployer,
          address: registry,
          abi: registryAbi,
          functionName: 'setUnbondingPeriod',
          args: [minimum - 1n],
        }),
      ),
      ['ParameterOutOfRange', 'unbondingPeriod', minimum - 1n, minimum, 90n * 24n * 3600n],
    )
    // The owner cannot lengthen the dispute window past the unbonding period either.
    const current = await chain.publicClient.readContract({
      address: disputes,
      abi: disputesAbi,
      functionName: 'params',
    })
    // 6 days + 2 rounds × (12 h + 12 h) = 8 days of disputability, above the 7 days of unbonding.
    assert.deepEqual(
      await refusal(
        chain.publicClient.simulateContract({
          account: deployer,
          address: disputes,
          abi: disputesAbi,
          functionName: 'setParams',
          args: [{ ...current, disputeWindow: 6n * 24n * 3600n }],
        }),
      ),
      ['UnbondingPeriodTooShort', 7n * 24n * 3600n, 8n * 24n * 3600n],
    )
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
    // A new model's royalty is an increase from 0: it applies after royaltyIncreaseDelay.
    const [pendingBps, effectiveAt] = await chain.publicClient.readContract({
      address: models,
      abi: modelRegistryAbi,
      functionName: 'pendingRoyalty',
      args: [modelId],
    })
    assert.equal(pendingBps, 1000)
    const now = (await chain.publicClient.getBlock()).timestamp
    assert.ok(effectiveAt >= now + 25n * 3600n - 5n)
    const testClient = createTestClient({ mode: 'anvil', chain: chain.chain, transport: http(anvil.rpcUrl) })
    await testClient.increaseTime({ seconds: 25 * 3600 + 1 })
    await testClient.mine({ blocks: 1 })
    await send(payer, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [payments, parseEther('100')],
    })
    // 100 MESH in, 60 of it allocated to the provider in the same transaction.
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'depositAndAllocate',
      args: [parseEther('100'), [{ provider: provider.address, amount: parseEther('60') }]],
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
    // The burn is booked, not sent to 0, until someone flushes it.
    assert.equal(await read({ address: token, abi: meshTokenAbi, functionName: 'totalSupply' }), supplyBefore)
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }),
      parseEther('0.15'),
    )
    assert.equal(
      await read({ address: payments, abi: paymentsAbi, functionName: 'balanceOf', args: [payer.address] }),
      parseEther('40'),
    )
    assert.deepEqual(
      await read({
        address: payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payer.address, provider.address],
      }),
      [parseEther('57'), 0n, 0n],
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
      (
        await read({
          address: payments,
          abi: paymentsAbi,
          functionName: 'allocationOf',
          args: [payer.address, provider.address],
        })
      )[0],
      parseEther('55'),
    )
    // 100 in − 4.25 paid; the 0.25 burned and 0.5 royalty are still held.
    assert.equal(await balanceOf(payments), parseEther('95.75'))
    await send(author, { address: payments, abi: paymentsAbi, functionName: 'flushBurn' })
    assert.equal(await read({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }), 0n)
    // The flush burns 80% of the 0.25 booked and funds the votes' pool with 20% (verificationShareBps).
    assert.equal(
      await read({ address: token, abi: meshTokenAbi, functionName: 'totalSupply' }),
      supplyBefore - parseEther('0.2'),
    )
    assert.equal(await balanceOf(deployment.contracts.verificationFees), parseEther('0.05'))
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

describe('deployContracts with an unbonding period shorter than the dispute window and rounds', () => {
  let anvil: Anvil
  after(async () => {
    await anvil?.stop()
  })

  it('refuses before deploying anything, saying what to raise', async () => {
    anvil = await startAnvil()
    const chain = await connect({ rpcUrl: anvil.rpcUrl })
    const nonce = await chain.publicClient.getTransactionCount({ address: deployer.address })
    await assert.rejects(
      deployContracts({
        rpcUrl: anvil.rpcUrl,
        deployerKey,
        params: {
          ...devDeployParams,
          disputeWindow: 86_400n,
          commitPeriod: 3600n,
          revealPeriod: 3600n,
          maxRounds: 2n,
          unbondingPeriod: 86_400n,
        },
      }),
      {
        name: 'InferMeshProtocolError',
        message:
          'unbondingPeriod 86400 s is shorter than the 100800 s a provider stays disputable (disputeWindow 86400 + maxRounds 2 × (commitPeriod 3600 + revealPeriod 3600)): raise unbondingPeriod or shorten the dispute window.',
      },
    )
    assert.equal(await chain.publicClient.getTransactionCount({ address: deployer.address }), nonce)
    // Exactly the minimum is accepted (the contracts agree with minUnbondingPeriod).
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey,
      params: {
        ...devDeployParams,
        disputeWindow: 86_400n,
        commitPeriod: 3600n,
        revealPeriod: 3600n,
        maxRounds: 2n,
        unbondingPeriod: 100_800n,
      },
    })
    assert.equal(
      await chain.publicClient.readContract({
        address: deployment.contracts.disputes,
        abi: disputesAbi,
        functionName: 'minUnbondingPeriod',
      }),
      100_800n,
    )
  })
})

describe('a real-chain deployment behind a MeshTimelock', () => {
  let anvil: Anvil
  after(async () => {
    await anvil?.stop()
  })

  it('hands every contract to the timelock, which alone can change a parameter, after its delay', async () => {
    anvil = await startAnvil()
    const chain = await connect({ rpcUrl: anvil.rpcUrl })
    const multisig = devAccount(5)
    const delay = 25n * 3600n
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey,
      params: { initialSupply: parseEther('1000000'), timelockDelay: delay },
      timelockProposers: [multisig.address],
    })
    const timelock = deployment.contracts.timelock
    assert.ok(timelock)
    const read = chain.publicClient.readContract
    // ModelSharesFactory has no owner and QuestionOracle is an ownerless example consumer: nothing in them
    // can be changed, by the timelock or anyone.
    const { timelock: _, modelSharesFactory: __, questionOracle: ___, ...owned } = deployment.contracts
    for (const [name, address] of Object.entries(owned)) {
      assert.equal(await read({ address, abi: paymentsAbi, functionName: 'owner' }), timelock, name)
      assert.equal(
        await read({ address, abi: paymentsAbi, functionName: 'pendingOwner' }),
        '0x0000000000000000000000000000000000000000',
        name,
      )
    }
    assert.equal(await read({ address: timelock, abi: meshTimelockAbi, functionName: 'getMinDelay' }), delay)
    const role = (name: 'DEFAULT_ADMIN_ROLE' | 'PROPOSER_ROLE' | 'EXECUTOR_ROLE' | 'CANCELLER_ROLE') =>
      read({ address: timelock, abi: meshTimelockAbi, functionName: name })
    const hasRole = async (name: Parameters<typeof role>[0], account: Address) =>
      read({
        address: timelock,
        abi: meshTimelockAbi,
        functionName: 'hasRole',
        args: [await role(name), account],
      })
    for (const name of ['DEFAULT_ADMIN_ROLE', 'PROPOSER_ROLE', 'EXECUTOR_ROLE', 'CANCELLER_ROLE'] as const)
      assert.equal(await hasRole(name, deployer.address), false, `deployer keeps ${name}`)
    assert.equal(await hasRole('PROPOSER_ROLE', multisig.address), true)
    assert.equal(await hasRole('EXECUTOR_ROLE', multisig.address), true)
    // The deployer is no owner any more, and the roles are fixed.
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: deployer,
          address: deployment.contracts.payments,
          abi: paymentsAbi,
          functionName: 'setBurnBps',
          args: [100],
        }),
      ),
      'OwnableUnauthorizedAccount',
    )
    assert.equal(
      await read({ address: deployment.contracts.token, abi: meshTokenAbi, functionName: 'minter' }),
      deployment.contracts.emissions,
    )
    assert.equal(
      await read({
        address: deployment.contracts.token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [deployer.address],
      }),
      parseEther('1000000'),
    )
    // A scheduled change cannot run before the delay.
    const wallet = createWalletClient({
      account: multisig,
      chain: chain.chain,
      transport: http(anvil.rpcUrl),
    })
    const data = encodeFunctionData({ abi: paymentsAbi, functionName: 'setBurnBps', args: [100] })
    const salt = `0x${'01'.repeat(32)}` as Hex
    const zero = `0x${'00'.repeat(32)}` as Hex
    const hash = await wallet.writeContract({
      address: timelock,
      abi: meshTimelockAbi,
      functionName: 'schedule',
      args: [deployment.contracts.payments, 0n, data, zero, salt, delay],
    })
    await chain.publicClient.waitForTransactionReceipt({ hash })
    assert.equal(
      await revertName(
        chain.publicClient.simulateContract({
          account: multisig,
          address: timelock,
          abi: meshTimelockAbi,
          functionName: 'execute',
          args: [deployment.contracts.payments, 0n, data, zero, salt],
        }),
      ),
      'TimelockUnexpectedOperationState',
    )
    const testClient = createTestClient({ mode: 'anvil', chain: chain.chain, transport: http(anvil.rpcUrl) })
    await testClient.increaseTime({ seconds: Number(delay) + 1 })
    await testClient.mine({ blocks: 1 })
    const executed = await wallet.writeContract({
      address: timelock,
      abi: meshTimelockAbi,
      functionName: 'execute',
      args: [deployment.contracts.payments, 0n, data, zero, salt],
    })
    assert.equal((await chain.publicClient.waitForTransactionReceipt({ hash: executed })).status, 'success')
    assert.equal(
      await read({ address: deployment.contracts.payments, abi: paymentsAbi, functionName: 'burnBps' }),
      100,
    )
  })
})
