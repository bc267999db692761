import { resolve } from 'node:path'
import { readDeployment } from '@infermesh/protocol'
import type { Address, LocalAccount } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { usageError } from '../CliError.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { defaultDevnetFile, readDevnet } from '../provider/readDevnet.js'

/** Flags of `infermesh model …`: where the chain is, and who signs. */
export type ModelFlags = {
  devnet?: string
  deployment?: string
  'rpc-url'?: string
  keystore?: string
  'dev-account'?: string
  'password-file'?: string
}

/** The contracts the model commands use. */
export type ModelContracts = {
  token: Address
  models: Address
  payments: Address
  modelSharesFactory?: Address | undefined
}

/** Which chain and contracts, and the signer (loaded only when a command sends a transaction). */
export type ModelTarget = {
  rpcUrl: string
  contracts: ModelContracts
  /** The block the contracts were deployed at: event scans start there. */
  startBlock: bigint
  /** `devnet /…/devnet.json` or `deployment /…/deployment.json`, for messages. */
  source: string
  /** Whether an account was named (--keystore or --dev-account). */
  hasAccount: boolean
  loadAccount: () => Promise<LocalAccount>
}

/** The anvil mnemonic every devnet uses (public: devnets only). */
const devMnemonic = 'test test test test test test test test test test test junk'

/**
 * The chain, contracts and account of a model command: a deployment file (`--deployment`, written by
 * `npm run deploy`) or the devnet file (`--devnet`, else `$INFERMESH_DIR/devnet.json` or
 * `.infermesh/devnet.json`); `--rpc-url` (then `INFERMESH_RPC_URL`) overrides the chain's URL. The account
 * is an encrypted keystore (`--keystore`, password from `--password-file`, the environment or a prompt)
 * or, on a devnet, anvil's dev account N (`--dev-account N`).
 *
 * @throws CliError (exit 2) for conflicting flags, a missing file or a bad account index.
 */
export async function resolveModelTarget(params: {
  flags: ModelFlags
  env: NodeJS.ProcessEnv
}): Promise<ModelTarget> {
  const { flags, env } = params
  if (flags.devnet !== undefined && flags.deployment !== undefined)
    throw usageError('give --devnet or --deployment, not both')
  if (flags.keystore !== undefined && flags['dev-account'] !== undefined)
    throw usageError('give --keystore or --dev-account, not both')
  let devIndex: number | undefined
  if (flags['dev-account'] !== undefined) {
    devIndex = Number(flags['dev-account'])
    if (!/^\d+$/.test(flags['dev-account']) || devIndex > 1000)
      throw usageError('--dev-account must be the index of an anvil dev account, from 0 to 1000')
  }
  const rpcOverride = flags['rpc-url'] ?? (env.INFERMESH_RPC_URL || undefined)
  let base: Omit<ModelTarget, 'loadAccount' | 'hasAccount'>
  if (flags.deployment !== undefined) {
    const file = resolve(flags.deployment)
    let deployment: Awaited<ReturnType<typeof readDeployment>>
    try {
      deployment = await readDeployment(file)
    } catch (cause) {
      throw usageError((cause as Error).message, cause)
    }
    base = {
      rpcUrl: rpcOverride ?? deployment.rpcUrl,
      contracts: deployment.contracts,
      startBlock: deployment.startBlock,
      source: `deployment ${file}`,
    }
  } else {
    const file = resolve(flags.devnet ?? defaultDevnetFile(env))
    const devnet = await readDevnet(file)
    base = {
      rpcUrl: rpcOverride ?? devnet.rpcUrl,
      contracts: devnet.contracts,
      startBlock: devnet.startBlock ?? 0n,
      source: `devnet ${file}`,
    }
  }
  const keystore = flags.keystore
  return {
    ...base,
    hasAccount: keystore !== undefined || devIndex !== undefined,
    loadAccount: async () => {
      if (devIndex !== undefined) return mnemonicToAccount(devMnemonic, { addressIndex: devIndex })
      if (keystore === undefined)
        throw usageError('who signs? give --keystore FILE (or --dev-account N on a devnet)')
      const { account } = await loadProviderAccount({
        keystore: { path: resolve(keystore) },
        field: '--keystore',
        env,
        ...(flags['password-file'] !== undefined && { passwordFile: flags['password-file'] }),
      })
      return account
    },
  }
}
