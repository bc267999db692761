import { createWalletClient, type Hex, http, type LocalAccount } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { meshTokenAbi } from './abis/MeshToken.js'
import { paymentsAbi } from './abis/Payments.js'
import { registryAbi } from './abis/Registry.js'
import { type Connection, connect, localTransportOptions } from './connect.js'
import { deployContracts } from './deployContracts.js'
import type { Deployment, DeployParams } from './deployment.js'
import { BaseError } from './errors.js'
import { gasWithHeadroom } from './gasWithHeadroom.js'
import { type Anvil, anvilMnemonic, startAnvil } from './startAnvil.js'

/** A contract call as viem's `writeContract` takes it, without account and chain. */
export type DevContractCall = {
  address: Hex
  abi: readonly unknown[]
  functionName: string
  args?: readonly unknown[]
}

export type DevChain = {
  anvil: Anvil
  deployment: Deployment
  publicClient: Connection['publicClient']
  /** anvil's dev account `index` (0 deploys and holds the initial supply). */
  account: (index: number) => LocalAccount
  /** Sends a call signed by `account` and waits for it to succeed. */
  send: (account: LocalAccount, call: DevContractCall) => Promise<Hex>
  /** Sends `amount` MESH to `to` from the deployer's initial supply (nobody but Emissions can mint). */
  fund: (to: Hex, amount: bigint) => Promise<void>
  /** @deprecated the old name of `fund`: a transfer from the initial supply, not a mint. */
  mint: (to: Hex, amount: bigint) => Promise<void>
  /**
   * Approves and deposits `amount` of `payer`'s MESH into Payments, allocating parts of it to providers
   * in the same transaction when `allocations` is given (a provider's redemptions draw only on those).
   */
  deposit: (
    payer: LocalAccount,
    amount: bigint,
    allocations?: readonly { provider: Hex; amount: bigint }[],
  ) => Promise<void>
  /** Approves and stakes `amount` of `account`'s MESH in the Registry (a provider's or validator's stake). */
  stake: (account: LocalAccount, amount: bigint) => Promise<void>
  /** Allocates part of `payer`'s unallocated deposit to providers. */
  allocate: (payer: LocalAccount, allocations: readonly { provider: Hex; amount: bigint }[]) => Promise<void>
  stop: () => Promise<void>
}

/** anvil's first dev key (public; devnets and tests only). */
export const devDeployerKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

/** MESH the dev chain's deployer holds from the start, which `fund` hands out: a billion. */
export const devInitialSupply = 10n ** 9n * 10n ** 18n

/**
 * Deploy parameters of local chains (tests, the devnet): the initial supply to fund accounts from and no
 * timelock (the deployer stays the owner); delays stay the defaults (withdrawal 24 h, royalty rises 25 h).
 */
export const devDeployParams: Partial<DeployParams> = { initialSupply: devInitialSupply, timelockDelay: 0n }

/**
 * A local chain for tests and benchmarks: anvil with the contracts deployed by dev account 0, which holds
 * the initial supply, and helpers to send calls, fund and deposit. Stops anvil if anything fails on the way.
 *
 * @example
 * const chain = await startDevChain()
 * await chain.fund(chain.account(1).address, parseEther('100'))
 * await chain.stop()
 */
export async function startDevChain(options: { params?: Partial<DeployParams> } = {}): Promise<DevChain> {
  const anvil = await startAnvil()
  try {
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey: devDeployerKey,
      params: { ...devDeployParams, ...options.params },
    })
    const { publicClient, chain } = await connect({ rpcUrl: anvil.rpcUrl })
    const account = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })
    const send = async (signer: LocalAccount, call: DevContractCall) => {
      const wallet = createWalletClient({
        account: signer,
        chain,
        transport: http(anvil.rpcUrl, localTransportOptions),
      })
      const estimate = await publicClient.estimateContractGas({ ...call, account: signer } as never)
      const hash = await wallet.writeContract({ ...call, gas: gasWithHeadroom(estimate) } as never)
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new BaseError(`${call.functionName} reverted in ${hash}`)
      return hash
    }
    const { token, payments, registry } = deployment.contracts
    const fund = async (to: Hex, amount: bigint) => {
      await send(account(0), {
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [to, amount],
      })
    }
    return {
      anvil,
      deployment,
      publicClient,
      account,
      send,
      fund,
      mint: fund,
      deposit: async (payer, amount, allocations) => {
        await send(payer, {
          address: token,
          abi: meshTokenAbi,
          functionName: 'approve',
          args: [payments, amount],
        })
        if (allocations?.length) {
          await send(payer, {
            address: payments,
            abi: paymentsAbi,
            functionName: 'depositAndAllocate',
            args: [amount, allocations],
          })
        } else {
          await send(payer, { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] })
        }
      },
      stake: async (staker, amount) => {
        await send(staker, {
          address: token,
          abi: meshTokenAbi,
          functionName: 'approve',
          args: [registry, amount],
        })
        await send(staker, { address: registry, abi: registryAbi, functionName: 'stake', args: [amount] })
      },
      allocate: async (payer, allocations) => {
        await send(payer, {
          address: payments,
          abi: paymentsAbi,
          functionName: 'allocate',
          args: [allocations],
        })
      },
      stop: () => anvil.stop(),
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
