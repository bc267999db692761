import { createWalletClient, type Hex, http, type LocalAccount } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { meshTokenAbi } from './abis/MeshToken.js'
import { paymentsAbi } from './abis/Payments.js'
import { type Connection, connect, localTransportOptions } from './connect.js'
import { deployContracts } from './deployContracts.js'
import type { Deployment, DeployParams } from './deployment.js'
import { BaseError } from './errors.js'
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
  /** anvil's dev account `index` (0 deploys and mints). */
  account: (index: number) => LocalAccount
  /** Sends a call signed by `account` and waits for it to succeed. */
  send: (account: LocalAccount, call: DevContractCall) => Promise<Hex>
  /** Mints MESH to `to` (the deployer is a minter). */
  mint: (to: Hex, amount: bigint) => Promise<void>
  /** Approves and deposits `amount` of `payer`'s MESH into Payments. */
  deposit: (payer: LocalAccount, amount: bigint) => Promise<void>
  stop: () => Promise<void>
}

/** anvil's first dev key (public; devnets and tests only). */
export const devDeployerKey: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

/**
 * A local chain for tests and benchmarks: anvil with the contracts deployed by dev account 0 (made a
 * minter), and helpers to send calls, mint and deposit. Stops anvil if anything fails on the way.
 *
 * @example
 * const chain = await startDevChain()
 * await chain.mint(chain.account(1).address, parseEther('100'))
 * await chain.stop()
 */
export async function startDevChain(options: { params?: Partial<DeployParams> } = {}): Promise<DevChain> {
  const anvil = await startAnvil()
  try {
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey: devDeployerKey,
      deployerIsMinter: true,
      ...(options.params && { params: options.params }),
    })
    const { publicClient, chain } = await connect({ rpcUrl: anvil.rpcUrl })
    const account = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })
    const send = async (signer: LocalAccount, call: DevContractCall) => {
      const wallet = createWalletClient({
        account: signer,
        chain,
        transport: http(anvil.rpcUrl, localTransportOptions),
      })
      const hash = await wallet.writeContract(call as never)
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new BaseError(`${call.functionName} reverted in ${hash}`)
      return hash
    }
    const { token, payments } = deployment.contracts
    return {
      anvil,
      deployment,
      publicClient,
      account,
      send,
      mint: async (to, amount) => {
        await send(account(0), {
          address: token,
          abi: meshTokenAbi,
          functionName: 'mint',
          args: [to, amount],
        })
      },
      deposit: async (payer, amount) => {
        await send(payer, {
          address: token,
          abi: meshTokenAbi,
          functionName: 'approve',
          args: [payments, amount],
        })
        await send(payer, { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] })
      },
      stop: () => anvil.stop(),
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
