import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { BaseError } from './errors.js'

export type ConnectOptions = {
  rpcUrl: string
  /** Signs transactions; read-only when omitted. */
  privateKey?: Hex
  /** How often to poll for receipts and events. Default 1 s (250 ms on a local chain). */
  pollingIntervalMs?: number
}

export type Connection = {
  chain: Chain
  publicClient: PublicClient<Transport, Chain>
  walletClient?: WalletClient<Transport, Chain, Account>
  account?: Account
}

/**
 * viem HTTP transport options for a chain on this machine (a devnet, a test's anvil). On a loaded
 * machine (two cores running several test processes) anvil can take longer than viem's 10 s default
 * to answer, so local requests wait up to 60 s and are retried five times (250 ms, doubling) before
 * they fail.
 */
export const localTransportOptions = { timeout: 60_000, retryCount: 5, retryDelay: 250 } as const

/** Defines a viem chain for an RPC endpoint we only know by URL and id. */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? 'anvil' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}

/**
 * Connects to an EVM RPC endpoint: asks for its chain id and returns viem clients bound to it.
 *
 * @example
 * const { publicClient, walletClient } = await connect({ rpcUrl: 'http://127.0.0.1:8545', privateKey })
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const local = /^https?:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(options.rpcUrl)
  const pollingInterval = options.pollingIntervalMs ?? (local ? 250 : 1000)
  // The probe is not retried: a chain that is not running refuses the connection at once.
  const probe = createPublicClient({
    transport: http(options.rpcUrl, {
      retryCount: 0,
      ...(local && { timeout: localTransportOptions.timeout }),
    }),
  })
  let chainId: number
  try {
    chainId = await probe.getChainId()
  } catch (cause) {
    throw new BaseError(`No EVM node answered at ${options.rpcUrl}: is the chain running?`, {
      cause,
      retryable: true,
    })
  }
  const chain = chainFor(chainId, options.rpcUrl)
  const transport = http(options.rpcUrl, local ? localTransportOptions : {})
  const publicClient = createPublicClient({ chain, transport, pollingInterval })
  if (!options.privateKey) return { chain, publicClient }
  const account = privateKeyToAccount(options.privateKey)
  const walletClient = createWalletClient({ chain, transport, account, pollingInterval })
  return { chain, publicClient, walletClient, account }
}
