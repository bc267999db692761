import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type Anvil,
  anvilMnemonic,
  connect,
  type Deployment,
  deployContracts,
  freePort,
  meshTokenAbi,
  paymentsAbi,
  startAnvil,
} from '@infermesh/protocol'
import { type Address, type Hex, parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

export type UpOptions = {
  /** Where devnet.json is written. Default `.infermesh`. */
  dir: string
  /** Port of the chain's RPC; a free one when 0. Default 8545. */
  chainPort: number
  /** MESH the dev payer deposits into Payments. */
  deposit: bigint
  /** Progress lines for the person watching. */
  log: (line: string) => void
}

export type DevAccount = { address: Address; privateKey: Hex }

/** The devnet as other tools read it from `.infermesh/devnet.json`. */
export type Devnet = {
  chainId: number
  rpcUrl: string
  startBlock: string
  contracts: Deployment['contracts']
  deployer: DevAccount
  payer: DevAccount
  /** Funded accounts for providers and validators to use, in order. */
  accounts: DevAccount[]
  providers: { address: Address; url: string; models: string[] }[]
}

export type RunningDevnet = { devnet: Devnet; file: string; stop: () => Promise<void> }

function devAccount(index: number): DevAccount {
  const account = mnemonicToAccount(anvilMnemonic, { addressIndex: index })
  const key = account.getHdKey().privateKey
  if (!key) throw new Error(`no private key for dev account ${index}`)
  return { address: account.address, privateKey: toHex(key) }
}

/**
 * Brings a devnet up on this machine: an anvil chain, the contracts, MESH for the dev accounts and
 * a funded payer deposit; writes `devnet.json`. (Providers, the gateway, validators and the explorer
 * join as their packages land.)
 */
export async function up(options: UpOptions): Promise<RunningDevnet> {
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
  const port = options.chainPort === 0 ? await freePort() : options.chainPort
  let anvil: Anvil | undefined
  try {
    options.log(`chain       starting anvil on port ${port}…`)
    anvil = await startAnvil({ port })
    options.log(`chain       ${anvil.rpcUrl} (chain id ${anvil.chainId}) ready after ${elapsed()}`)

    const deployer = devAccount(0)
    const payer = devAccount(1)
    const accounts = Array.from({ length: 8 }, (_, i) => devAccount(i + 2))
    const deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      deployerKey: deployer.privateKey,
      deployerIsMinter: true,
    })
    options.log(`contracts   deployed after ${elapsed()}`)

    const { publicClient, walletClient } = await connect({
      rpcUrl: anvil.rpcUrl,
      privateKey: deployer.privateKey,
    })
    if (!walletClient) throw new Error('no wallet client')
    const { token, payments } = deployment.contracts
    const hashes: Hex[] = []
    for (const account of [payer, ...accounts]) {
      hashes.push(
        await walletClient.writeContract({
          address: token,
          abi: meshTokenAbi,
          functionName: 'mint',
          args: [account.address, parseEther('100000')],
        }),
      )
    }
    await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })))
    const payerClient = (await connect({ rpcUrl: anvil.rpcUrl, privateKey: payer.privateKey })).walletClient
    if (!payerClient) throw new Error('no payer client')
    for (const call of [
      { address: token, abi: meshTokenAbi, functionName: 'approve', args: [payments, options.deposit] },
      { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [options.deposit] },
    ] as const) {
      const hash = await payerClient.writeContract(call as Parameters<typeof payerClient.writeContract>[0])
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`payer ${call.functionName} reverted`)
    }
    options.log(
      `accounts    funded with MESH; payer deposit ${options.deposit / 10n ** 18n} MESH after ${elapsed()}`,
    )

    const devnet: Devnet = {
      chainId: deployment.chainId,
      rpcUrl: anvil.rpcUrl,
      startBlock: deployment.startBlock.toString(),
      contracts: deployment.contracts,
      deployer,
      payer,
      accounts,
      providers: [],
    }
    await mkdir(options.dir, { recursive: true })
    const file = join(options.dir, 'devnet.json')
    await writeFile(file, `${JSON.stringify(devnet, null, 2)}\n`)
    const chain = anvil
    return { devnet, file, stop: () => chain.stop() }
  } catch (error) {
    await anvil?.stop()
    throw error
  }
}
