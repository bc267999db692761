import { connect, type ProviderConfig } from '@infermesh/protocol'
import { type Chain, createWalletClient, http, type LocalAccount } from 'viem'
import { CliError } from '../CliError.js'

/** Clients for the provider's chain: reads, and writes signed by the provider's account. */
export type ProviderChain = Awaited<ReturnType<typeof connectProviderChain>>

/**
 * Connects to the chain of the provider's config and checks it is the right one: it answers, has the
 * configured chain id, and has the Registry at the configured address. Each failure says what to fix.
 */
export async function connectProviderChain(config: ProviderConfig, account: LocalAccount) {
  const rpcUrl = config.chain.rpcUrl
  let connection: Awaited<ReturnType<typeof connect>>
  try {
    connection = await connect({ rpcUrl })
  } catch (cause) {
    throw new CliError(
      `the chain at ${rpcUrl} does not answer: is it running? (chain.rpcUrl in the config; --rpc-url or INFERMESH_RPC_URL override it)`,
      { cause },
    )
  }
  const { chain, publicClient } = connection
  if (config.chain.chainId !== undefined && config.chain.chainId !== chain.id)
    throw new CliError(
      `the chain at ${rpcUrl} has id ${chain.id}, but the config says chain.chainId ${config.chain.chainId}: point chain.rpcUrl at the right chain`,
    )
  const registry = config.chain.contracts.registry
  const code = await publicClient.getCode({ address: registry })
  if (code === undefined || code === '0x')
    throw new CliError(
      `there is no Registry contract at ${registry} on chain ${chain.id} (${rpcUrl}): chain.contracts in the config belong to another deployment (a restarted devnet? run "infermesh provider init --devnet" again)`,
    )
  const walletClient = createWalletClient({
    account,
    chain: chain as Chain,
    transport: http(rpcUrl),
    pollingInterval: publicClient.pollingInterval,
  })
  return { chain, publicClient, walletClient, account }
}
