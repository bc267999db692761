import { type Abi, type Address, getAddress, type Hex } from 'viem'
import { meshTokenAbi, meshTokenBytecode } from './abis/MeshToken.js'
import { modelRegistryAbi, modelRegistryBytecode } from './abis/ModelRegistry.js'
import { paymentsAbi, paymentsBytecode } from './abis/Payments.js'
import { registryAbi, registryBytecode } from './abis/Registry.js'
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
 * Deploys MeshToken, ModelRegistry, Registry and Payments to any EVM chain and returns where they
 * are. Each transaction waits for its receipt, so a failure names the contract that did not deploy.
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
  const payments = await deploy('Payments', paymentsAbi, paymentsBytecode, [
    owner,
    token,
    models,
    Number(params.burnBps),
    params.withdrawDelay,
  ])

  if (options.deployerIsMinter) {
    const hash = await walletClient.writeContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'setMinter',
      args: [owner, true],
    })
    await publicClient.waitForTransactionReceipt({ hash })
  }

  return {
    chainId: chain.id,
    rpcUrl: options.rpcUrl,
    deployer: owner,
    startBlock,
    contracts: { token, models, registry, payments },
    params,
  }
}
