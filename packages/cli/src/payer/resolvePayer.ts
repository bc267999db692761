import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { connect } from '@infermesh/protocol'
import { type Address, type Chain, createWalletClient, getAddress, http, type LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { CliError, usageError } from '../CliError.js'
import { resolveGatewayConfig } from '../gateway/resolveGatewayConfig.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { type DevnetFile, defaultDevnetFile, readDevnet } from '../provider/readDevnet.js'

/** Flags of the commands that act for the payer (deposit, withdraw) or read the network (status). */
export type PayerFlags = {
  config?: string
  devnet?: string
  'rpc-url'?: string
  'password-file'?: string
}

/** The options behind `PayerFlags`, for `parseCommandArgs`, and their help lines. */
export const payerOptions = {
  config: { type: 'string' },
  devnet: { type: 'string' },
  'rpc-url': { type: 'string' },
  'password-file': { type: 'string' },
} as const

export const payerOptionsHelp = `  --devnet FILE         the devnet file "infermesh up" writes: chain, contracts and the dev payer
                        (default .infermesh/devnet.json, or $INFERMESH_DIR/devnet.json)
  --config FILE         a gateway config instead: its chain, and its payer key (env
                        INFERMESH_GATEWAY_CONFIG)
  --rpc-url URL         override the chain's JSON-RPC URL (env INFERMESH_RPC_URL)
  --password-file FILE  the payer keystore's password (env INFERMESH_KEYSTORE_PASSWORD_FILE or
                        INFERMESH_KEYSTORE_PASSWORD; else a prompt on the terminal)`

/** Which chain, which contracts, which payer; the key is only loaded when asked for. */
export type PayerTarget = {
  rpcUrl: string
  contracts: DevnetFile['contracts']
  /** The payer's address, when known without its password (a keystore names it). */
  payer?: Address
  /** `devnet /…/devnet.json` or `gateway config /…/gateway.json`. */
  source: string
  devnet?: DevnetFile
  loadAccount: () => Promise<LocalAccount>
}

async function keystoreAddress(path: string): Promise<Address | undefined> {
  try {
    const address = (JSON.parse(await readFile(path, 'utf8')) as { address?: string }).address
    if (address && /^(0x)?[0-9a-fA-F]{40}$/.test(address))
      return getAddress(address.startsWith('0x') ? address : `0x${address}`)
  } catch {}
  return undefined
}

/**
 * The chain, contracts and payer a command works with: a gateway config (`--config`, else
 * `INFERMESH_GATEWAY_CONFIG`: its chain and its payer key, a keystore or a dev key), else the devnet
 * file (`--devnet`, else the default: its chain and its dev payer). `--rpc-url` (then
 * `INFERMESH_RPC_URL`) overrides the chain's URL.
 *
 * @throws CliError (exit 2) when both --config and --devnet are given, or the file is missing.
 */
export async function resolvePayer(params: {
  flags: PayerFlags
  env: NodeJS.ProcessEnv
}): Promise<PayerTarget> {
  const { flags, env } = params
  if (flags.config !== undefined && flags.devnet !== undefined)
    throw usageError('give --config or --devnet, not both')
  const rpcOverride = flags['rpc-url'] ?? (env.INFERMESH_RPC_URL || undefined)
  if (flags.config !== undefined || (flags.devnet === undefined && env.INFERMESH_GATEWAY_CONFIG)) {
    const { config, file } = await resolveGatewayConfig({
      flags: {
        ...(flags.config !== undefined && { config: flags.config }),
        ...(flags['rpc-url'] !== undefined && { 'rpc-url': flags['rpc-url'] }),
      },
      env,
    })
    const key = config.payer
    return {
      rpcUrl: config.chain.rpcUrl,
      contracts: config.chain.contracts,
      ...('privateKey' in key
        ? { payer: privateKeyToAccount(key.privateKey).address }
        : await keystoreAddress(key.keystore).then((payer) => (payer ? { payer } : {}))),
      source: `gateway config ${file}`,
      loadAccount: async () =>
        (
          await loadProviderAccount({
            keystore: 'keystore' in key ? { path: key.keystore } : key,
            field: 'payer.keystore',
            env,
            ...(flags['password-file'] !== undefined && { passwordFile: flags['password-file'] }),
          })
        ).account,
    }
  }
  const file = resolve(flags.devnet ?? defaultDevnetFile(env))
  const devnet = await readDevnet(file)
  const payerKey = devnet.payer?.privateKey
  return {
    rpcUrl: rpcOverride ?? devnet.rpcUrl,
    contracts: devnet.contracts,
    ...(devnet.payer && { payer: devnet.payer.address }),
    source: `devnet ${file}`,
    devnet,
    loadAccount: async () => {
      if (!payerKey) throw usageError(`${file} has no payer: pass --config with a gateway config`)
      return privateKeyToAccount(payerKey)
    },
  }
}

/** Clients for the target's chain: reads, and writes signed by the payer (for `sendContractCall`). */
export async function connectPayer(target: PayerTarget, account: LocalAccount) {
  const { chain, publicClient } = await connectChain(target)
  const walletClient = createWalletClient({
    account,
    chain: chain as Chain,
    transport: http(target.rpcUrl),
    pollingInterval: publicClient.pollingInterval,
  })
  return { chain, publicClient, walletClient, account }
}

/**
 * A read-only connection to the target's chain, checked: it answers, and Payments has code there.
 *
 * @throws CliError saying what to fix when the chain is down or the contracts are not there.
 */
export async function connectChain(target: PayerTarget) {
  let connection: Awaited<ReturnType<typeof connect>>
  try {
    connection = await connect({ rpcUrl: target.rpcUrl })
  } catch (cause) {
    throw new CliError(
      `the chain at ${target.rpcUrl} (from the ${target.source}) does not answer: is it running? ("infermesh up" starts a devnet)`,
      { cause },
    )
  }
  const code = await connection.publicClient.getCode({ address: target.contracts.payments })
  if (code === undefined || code === '0x')
    throw new CliError(
      `there is no Payments contract at ${target.contracts.payments} on chain ${connection.chain.id} (${target.rpcUrl}): the ${target.source} belongs to another deployment (a restarted devnet?)`,
    )
  return connection
}
