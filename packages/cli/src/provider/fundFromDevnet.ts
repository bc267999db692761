import { connect, meshTokenAbi } from '@infermesh/protocol'
import { type Address, formatEther, type Hex, parseEther } from 'viem'
import { CliError } from '../CliError.js'
import type { DevnetFile } from './readDevnet.js'

export type FundFromDevnetParams = {
  devnet: DevnetFile
  address: Address
  /** ETH for gas. Default 10. */
  eth?: bigint
  /** MESH to stake with. Default 10,000 (ten times the devnet's minimum stake). */
  mesh?: bigint
  log: (line: string) => void
}

/**
 * Funds a new key on a devnet from its dev deployer: ETH for gas, and MESH sent from the deployer's initial
 * supply, so the provider can stake and register at once. Devnets only.
 *
 * @throws CliError when the devnet's chain does not answer.
 */
export async function fundFromDevnet(params: FundFromDevnetParams): Promise<Hex[]> {
  const { devnet, address, log } = params
  const eth = params.eth ?? parseEther('10')
  const mesh = params.mesh ?? parseEther('10000')
  let connection: Awaited<ReturnType<typeof connect>>
  try {
    connection = await connect({ rpcUrl: devnet.rpcUrl, privateKey: devnet.deployer.privateKey })
  } catch (cause) {
    throw new CliError(
      `the devnet chain at ${devnet.rpcUrl} does not answer: start it with "infermesh up" (nothing was written)`,
      { cause },
    )
  }
  const { publicClient, walletClient } = connection
  if (!walletClient) throw new CliError('no wallet for the devnet deployer')
  const hashes = [
    await walletClient.sendTransaction({ to: address, value: eth }),
    await walletClient.writeContract({
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'transfer',
      args: [address, mesh],
    }),
  ]
  for (const hash of hashes) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success')
      throw new CliError(`funding ${address} on the devnet failed: ${hash} reverted`)
  }
  log(`funded ${address} on the devnet with ${formatEther(eth)} ETH and ${formatEther(mesh)} MESH`)
  return hashes
}
