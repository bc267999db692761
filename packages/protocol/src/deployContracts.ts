import { type Abi, type Address, encodeFunctionData, getAddress, type Hex, zeroHash } from 'viem'
import { disputesAbi, disputesBytecode } from './abis/Disputes.js'
import { emissionsAbi, emissionsBytecode } from './abis/Emissions.js'
import { jobCoordinatorAbi, jobCoordinatorBytecode } from './abis/JobCoordinator.js'
import { meshTimelockAbi, meshTimelockBytecode } from './abis/MeshTimelock.js'
import { meshTokenAbi, meshTokenBytecode } from './abis/MeshToken.js'
import { modelRegistryAbi, modelRegistryBytecode } from './abis/ModelRegistry.js'
import { modelSharesFactoryAbi, modelSharesFactoryBytecode } from './abis/ModelSharesFactory.js'
import { paymentsAbi, paymentsBytecode } from './abis/Payments.js'
import { questionOracleAbi, questionOracleBytecode } from './abis/QuestionOracle.js'
import { registryAbi, registryBytecode } from './abis/Registry.js'
import { uptimeAbi, uptimeBytecode } from './abis/Uptime.js'
import { verificationFeesAbi, verificationFeesBytecode } from './abis/VerificationFees.js'
import { connect } from './connect.js'
import {
  type Deployment,
  type DeployParams,
  defaultDeployParams,
  deployParamsSchema,
  minUnbondingPeriod,
} from './deployment.js'
import { BaseError } from './errors.js'

export type DeployContractsOptions = {
  rpcUrl: string
  /** Key of the account that deploys every contract (and owns them when there is no timelock). */
  deployerKey: Hex
  /** Protocol parameters; each missing one takes its value from `defaultDeployParams`. */
  params?: Partial<DeployParams>
  /**
   * Accounts that may schedule and execute the timelock's operations (a multisig); default the deployer.
   * Used only when `params.timelockDelay` > 0.
   */
  timelockProposers?: readonly Address[]
}

/**
 * Deploys MeshToken (minting `initialSupply` to the deployer), ModelRegistry, Registry, Payments, Uptime,
 * Disputes, Emissions, VerificationFees, ModelSharesFactory (revenue shares of models; owned by nobody),
 * JobCoordinator (which deploys its JobCodec and JobProviders) and the example consumer QuestionOracle to
 * any EVM chain and returns where they are; makes Disputes the
 * Registry's slasher and Emissions MESH's minter, and wires VerificationFees (it names Disputes, then
 * Payments and Disputes name it; Payments sends `verificationShareBps` of every flushed burn to it), each
 * once and for good (the contracts refuse a second call).
 * The epoch clock starts at the latest block's timestamp. Each transaction waits for its receipt, so a
 * failure names the contract (or the wiring call) that did not go through. An unbonding period shorter
 * than `minUnbondingPeriod(params)` is refused before anything is deployed.
 *
 * With `params.timelockDelay` > 0 (real chains), a MeshTimelock owns every contract: it is deployed with
 * no delay, every contract's `transferOwnership(timelock)` is accepted through it in one batch that also
 * sets its delay to `timelockDelay`, and the deployer then gives up the timelock's admin role, so every
 * owner action is public for `timelockDelay` before it applies. Without it (devnets, tests), the deployer
 * stays the owner.
 *
 * @example
 * const deployment = await deployContracts({ rpcUrl, deployerKey, params: { initialSupply: 10n ** 27n } })
 * await writeDeployment('.infermesh/deployment.json', deployment)
 */
export async function deployContracts(options: DeployContractsOptions): Promise<Deployment> {
  const params = deployParamsSchema.parse({ ...defaultDeployParams, ...options.params })
  // The contracts refuse it too (Disputes' constructor), but only after the Registry is deployed.
  const minUnbonding = minUnbondingPeriod(params)
  if (params.unbondingPeriod < minUnbonding)
    throw new BaseError(
      `unbondingPeriod ${params.unbondingPeriod} s is shorter than the ${minUnbonding} s a provider stays disputable (disputeWindow ${params.disputeWindow} + maxRounds ${params.maxRounds} × (commitPeriod ${params.commitPeriod} + revealPeriod ${params.revealPeriod})): raise unbondingPeriod or shorten the dispute window.`,
    )
  const { chain, publicClient, walletClient, account } = await connect({
    rpcUrl: options.rpcUrl,
    privateKey: options.deployerKey,
  })
  if (!walletClient || !account) throw new BaseError('deployContracts needs a deployer key')
  const wallet = walletClient
  const owner = account.address
  const startBlock = await publicClient.getBlockNumber()

  async function deploy(name: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
    try {
      const hash = await wallet.deployContract({ abi, bytecode, args })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success' || !receipt.contractAddress) {
        throw new BaseError(`the deployment transaction ${hash} reverted`)
      }
      return getAddress(receipt.contractAddress)
    } catch (cause) {
      throw new BaseError(`Deploying ${name} to chain ${chain.id} at ${options.rpcUrl} failed`, { cause })
    }
  }

  const token = await deploy('MeshToken', meshTokenAbi, meshTokenBytecode, [
    owner,
    owner,
    params.initialSupply,
  ])
  const models = await deploy('ModelRegistry', modelRegistryAbi, modelRegistryBytecode, [
    owner,
    Number(params.maxRoyaltyBps),
    params.royaltyIncreaseDelay,
  ])
  const registry = await deploy('Registry', registryAbi, registryBytecode, [
    owner,
    token,
    params.minStake,
    params.minValidatorStake,
    params.unbondingPeriod,
    params.maxOffers,
  ])
  const genesis = (await publicClient.getBlock({ blockTag: 'latest' })).timestamp
  const payments = await deploy('Payments', paymentsAbi, paymentsBytecode, [
    owner,
    token,
    models,
    Number(params.burnBps),
    params.withdrawDelay,
    genesis,
    params.epochLength,
  ])
  const uptime = await deploy('Uptime', uptimeAbi, uptimeBytecode, [
    owner,
    registry,
    genesis,
    params.epochLength,
    Number(params.uptimeFloor),
  ])
  const disputes = await deploy('Disputes', disputesAbi, disputesBytecode, [
    owner,
    token,
    registry,
    payments,
    genesis,
    params.epochLength,
    {
      challengerBond: params.challengerBond,
      slashBps: Number(params.slashBps),
      challengerRewardBps: Number(params.challengerRewardBps),
      committeeSize: Number(params.committeeSize),
      drawDelay: Number(params.drawDelay),
      commitPeriod: params.commitPeriod,
      revealPeriod: params.revealPeriod,
      absentSlashBps: Number(params.absentSlashBps),
      disputeWindow: params.disputeWindow,
      maxRounds: Number(params.maxRounds),
    },
  ])
  const emissions = await deploy('Emissions', emissionsAbi, emissionsBytecode, [
    owner,
    token,
    registry,
    uptime,
    payments,
    disputes,
    genesis,
    params.epochLength,
    {
      initialEmission: params.initialEmission,
      halvingEpochs: params.halvingEpochs,
      availabilityBps: Number(params.availabilityBps),
      workBps: Number(params.workBps),
      validatorBps: Number(params.validatorBps),
      maxWorkRewardBps: Number(params.maxWorkRewardBps),
      challengeEpochs: params.challengeEpochs,
    },
  ])

  const verificationFees = await deploy('VerificationFees', verificationFeesAbi, verificationFeesBytecode, [
    owner,
    token,
    genesis,
    params.epochLength,
    params.maxFeePerVote,
  ])
  // Revenue shares of models (issue 15): no owner, no parameters, nothing to wire.
  const modelSharesFactory = await deploy(
    'ModelSharesFactory',
    modelSharesFactoryAbi,
    modelSharesFactoryBytecode,
    [models, payments],
  )

  // JobCoordinator deploys its JobCodec and JobProviders and approves Payments itself (payFor pulls from it).
  const jobCoordinator = await deploy('JobCoordinator', jobCoordinatorAbi, jobCoordinatorBytecode, [
    owner,
    registry,
    payments,
    disputes,
    {
      drawDelay: Number(params.jobDrawDelay),
      responseWindow: params.jobResponseWindow,
      jobBond: params.jobBond,
      missPenalty: params.jobMissPenalty,
      maxAttempts: Number(params.jobMaxAttempts),
    },
  ])
  const questionOracle = await deploy('QuestionOracle', questionOracleAbi, questionOracleBytecode, [
    jobCoordinator,
  ])

  async function wire(what: string, send: () => Promise<Hex>): Promise<void> {
    try {
      const hash = await send()
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new BaseError(`the transaction ${hash} reverted`)
    } catch (cause) {
      throw new BaseError(`${what} on chain ${chain.id} at ${options.rpcUrl} failed`, { cause })
    }
  }

  await wire('Making Disputes the Registry slasher', () =>
    wallet.writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'setSlasher',
      args: [disputes],
    }),
  )
  await wire('Making Emissions the MESH minter', () =>
    wallet.writeContract({ address: token, abi: meshTokenAbi, functionName: 'setMinter', args: [emissions] }),
  )
  // Disputes checks that the fees contract names it, so setDisputes comes first.
  await wire('Letting Disputes credit votes in VerificationFees', () =>
    wallet.writeContract({
      address: verificationFees,
      abi: verificationFeesAbi,
      functionName: 'setDisputes',
      args: [disputes],
    }),
  )
  await wire('Making VerificationFees the receiver of the burn share', () =>
    wallet.writeContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'setVerificationFees',
      args: [verificationFees],
    }),
  )
  await wire('Setting the share of the burn that pays votes', () =>
    wallet.writeContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'setVerificationShare',
      args: [Number(params.verificationShareBps)],
    }),
  )
  await wire('Making Disputes credit verdicts in VerificationFees', () =>
    wallet.writeContract({
      address: disputes,
      abi: disputesAbi,
      functionName: 'setVerificationFees',
      args: [verificationFees],
    }),
  )

  const owned = [
    { address: token, abi: meshTokenAbi },
    { address: models, abi: modelRegistryAbi },
    { address: registry, abi: registryAbi },
    { address: payments, abi: paymentsAbi },
    { address: uptime, abi: uptimeAbi },
    { address: disputes, abi: disputesAbi },
    { address: emissions, abi: emissionsAbi },
    { address: verificationFees, abi: verificationFeesAbi },
    { address: jobCoordinator, abi: jobCoordinatorAbi },
  ] as const
  let timelock: Address | undefined
  if (params.timelockDelay > 0n) {
    const proposers = options.timelockProposers?.length ? [...options.timelockProposers] : [owner]
    // The deployer proposes and executes the setup batch, then gives up every role it was not given.
    const setup = proposers.includes(owner) ? proposers : [...proposers, owner]
    const lock = await deploy('MeshTimelock', meshTimelockAbi, meshTimelockBytecode, [
      0n,
      setup,
      setup,
      owner,
    ])
    timelock = lock
    for (const contract of owned) {
      await wire(`Offering ${contract.address}'s ownership to the timelock`, () =>
        wallet.writeContract({
          address: contract.address,
          abi: contract.abi as Abi,
          functionName: 'transferOwnership',
          args: [lock],
        }),
      )
    }
    const targets = [...owned.map((contract) => contract.address), lock]
    const payloads = [
      ...owned.map(() => encodeFunctionData({ abi: paymentsAbi, functionName: 'acceptOwnership' })),
      encodeFunctionData({ abi: meshTimelockAbi, functionName: 'updateDelay', args: [params.timelockDelay] }),
    ]
    const values = targets.map(() => 0n)
    await wire('Scheduling the timelock’s acceptance of ownership', () =>
      wallet.writeContract({
        address: lock,
        abi: meshTimelockAbi,
        functionName: 'scheduleBatch',
        args: [targets, values, payloads, zeroHash, zeroHash, 0n],
      }),
    )
    await wire('Executing the timelock’s acceptance of ownership', () =>
      wallet.writeContract({
        address: lock,
        abi: meshTimelockAbi,
        functionName: 'executeBatch',
        args: [targets, values, payloads, zeroHash, zeroHash],
      }),
    )
    const roles = ['DEFAULT_ADMIN_ROLE', 'PROPOSER_ROLE', 'CANCELLER_ROLE', 'EXECUTOR_ROLE'] as const
    for (const role of roles) {
      if (role !== 'DEFAULT_ADMIN_ROLE' && proposers.includes(owner)) continue
      const id = await publicClient.readContract({ address: lock, abi: meshTimelockAbi, functionName: role })
      await wire(`Giving up the deployer's ${role} on the timelock`, () =>
        wallet.writeContract({
          address: lock,
          abi: meshTimelockAbi,
          functionName: 'renounceRole',
          args: [id, owner],
        }),
      )
    }
  }

  return {
    chainId: chain.id,
    rpcUrl: options.rpcUrl,
    deployer: owner,
    startBlock,
    contracts: {
      token,
      models,
      registry,
      payments,
      uptime,
      disputes,
      emissions,
      verificationFees,
      modelSharesFactory,
      jobCoordinator,
      questionOracle,
      ...(timelock && { timelock }),
    },
    params,
  }
}
