import { type Abi, type Address, getAddress, type Hex } from 'viem'
import { disputesAbi, disputesBytecode } from './abis/Disputes.js'
import { emissionsAbi, emissionsBytecode } from './abis/Emissions.js'
import { meshTokenAbi, meshTokenBytecode } from './abis/MeshToken.js'
import { modelRegistryAbi, modelRegistryBytecode } from './abis/ModelRegistry.js'
import { paymentsAbi, paymentsBytecode } from './abis/Payments.js'
import { registryAbi, registryBytecode } from './abis/Registry.js'
import { uptimeAbi, uptimeBytecode } from './abis/Uptime.js'
import { connect } from './connect.js'
import { type Deployment, type DeployParams, defaultDeployParams, deployParamsSchema } from './deployment.js'
import { BaseError } from './errors.js'

export type DeployContractsOptions = {
  rpcUrl: string
  /** Key of the account that deploys and owns every contract. */
  deployerKey: Hex
  /** Protocol parameters; each missing one takes its value from `defaultDeployParams`. */
  params?: Partial<DeployParams>
  /** Make the deployer a MESH minter (devnets and tests; emissions get the role on a real network). */
  deployerIsMinter?: boolean
}

/**
 * Deploys MeshToken, ModelRegistry, Registry, Payments, Uptime, Disputes and Emissions to any EVM chain
 * and returns where they are; makes Disputes a Registry slasher and Emissions a MESH minter. The epoch
 * clock starts at the latest block's timestamp. Each transaction waits for its receipt, so a failure names
 * the contract (or the wiring call) that did not go through.
 *
 * @example
 * const deployment = await deployContracts({ rpcUrl, deployerKey, deployerIsMinter: true })
 * await writeDeployment('.infermesh/deployment.json', deployment)
 */
export async function deployContracts(options: DeployContractsOptions): Promise<Deployment> {
  const params = deployParamsSchema.parse({ ...defaultDeployParams, ...options.params })
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

  const token = await deploy('MeshToken', meshTokenAbi, meshTokenBytecode, [owner])
  const models = await deploy('ModelRegistry', modelRegistryAbi, modelRegistryBytecode, [
    owner,
    Number(params.maxRoyaltyBps),
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
      votingPeriod: params.votingPeriod,
      absentSlashBps: Number(params.absentSlashBps),
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

  async function wire(what: string, send: () => Promise<Hex>): Promise<void> {
    try {
      const hash = await send()
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new BaseError(`the transaction ${hash} reverted`)
    } catch (cause) {
      throw new BaseError(`${what} on chain ${chain.id} at ${options.rpcUrl} failed`, { cause })
    }
  }

  await wire('Making Disputes a Registry slasher', () =>
    wallet.writeContract({
      address: registry,
      abi: registryAbi,
      functionName: 'setSlasher',
      args: [disputes, true],
    }),
  )
  await wire('Making Emissions a MESH minter', () =>
    wallet.writeContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'setMinter',
      args: [emissions, true],
    }),
  )
  if (options.deployerIsMinter) {
    await wire('Making the deployer a MESH minter', () =>
      wallet.writeContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'setMinter',
        args: [owner, true],
      }),
    )
  }

  return {
    chainId: chain.id,
    rpcUrl: options.rpcUrl,
    deployer: owner,
    startBlock,
    contracts: { token, models, registry, payments, uptime, disputes, emissions },
    params,
  }
}
