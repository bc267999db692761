import { type Connection, connect } from '@infermesh/protocol'
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  http,
  type LocalAccount,
  type Transport,
  type WalletClient,
} from 'viem'
import { CliError } from '../CliError.js'
import type { ModelTarget } from './resolveModelTarget.js'

/** Clients of a model command: reads, and writes signed by `account` when one is given. */
export type ModelChain = {
  chain: Connection['chain']
  publicClient: Connection['publicClient']
  walletClient?: WalletClient<Transport, Chain, Account>
  account?: LocalAccount
  /** The ModelSharesFactory of the deployment. */
  factory: Address
}

/**
 * Connects to the target's chain and checks it is the right one: it answers, the ModelRegistry has code,
 * and the deployment has a ModelSharesFactory. Each failure says what to fix.
 */
export async function connectModelChain(target: ModelTarget, account?: LocalAccount): Promise<ModelChain> {
  let connection: Connection
  try {
    connection = await connect({ rpcUrl: target.rpcUrl })
  } catch (cause) {
    throw new CliError(
      `the chain at ${target.rpcUrl} (from the ${target.source}) does not answer: is it running? ("infermesh up" starts a devnet)`,
      { cause },
    )
  }
  const code = await connection.publicClient.getCode({ address: target.contracts.models })
  if (code === undefined || code === '0x')
    throw new CliError(
      `there is no ModelRegistry at ${target.contracts.models} on chain ${connection.chain.id} (${target.rpcUrl}): the ${target.source} belongs to another deployment (a restarted devnet?)`,
    )
  const factory = target.contracts.modelSharesFactory
  if (!factory)
    throw new CliError(
      `the ${target.source} names no modelSharesFactory: the deployment predates model revenue shares; deploy again`,
    )
  const base = { chain: connection.chain, publicClient: connection.publicClient, factory }
  if (!account) return base
  const walletClient = createWalletClient({
    account,
    chain: connection.chain as Chain,
    transport: http(target.rpcUrl),
    pollingInterval: connection.publicClient.pollingInterval,
  })
  return { ...base, walletClient, account }
}
