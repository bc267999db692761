import { basename, join, resolve } from 'node:path'
import { anvilMnemonic } from '@infermesh/protocol'
import { type Address, type Hex, parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { CliError, usageError } from '../CliError.js'

/** Dev accounts hold 10,000 ETH on anvil: the deployer, the payer and 8 for providers. */
export const maxDevnetProviders = 8
/**
 * Validators get the next accounts (funded with ETH by the deployer). A dispute's committee excludes its
 * challenger and its provider, so a committee of 3 needs at least 4 validators holding the model.
 */
export const maxDevnetValidators = 8
/** Validators `infermesh up` starts when not told: a full committee of 3 plus the challenger. */
export const defaultDevnetValidators = 4
/** The chain id of anvil. */
export const devnetChainId = 31337
/** The explorer's port when none is asked for: 8080 when free, else any free port. */
export const defaultExplorerPort = 8080

/** How a provider of an adversarial devnet cheats (validators should catch and slash it). */
export type CheatMode = 'other-model' | 'truncate' | 'random-tokens'

export type DevAccount = { address: Address; privateKey: Hex }

export type DevnetPlanOptions = {
  /** Where devnet.json and the network's files go. */
  dir: string
  /** Providers to start, 0 to `maxDevnetProviders`. */
  providers: number
  /** Validators to start, 0 to `maxDevnetValidators`. */
  validators: number
  /** The chain's RPC port; 0 for one of `freePorts`. */
  chainPort: number
  /** The gateway's port; 0 for one of `freePorts`. */
  gatewayPort: number
  /** The explorer's port; 0 for one of `freePorts`. */
  explorerPort: number
  /**
   * Distinct free ports the caller found (the plan does no I/O), handed out in order: the chain's and
   * the gateway's when 0, each provider's, each validator's, the explorer's when 0. At least
   * `portsNeeded(options)`.
   */
  freePorts: readonly number[]
  /** A GGUF file for the providers; the tiny random-weights model when absent. */
  model?: string
  /** llama.cpp threads per provider. Default 1 for the tiny model, else llama.cpp's choice. */
  threads?: number
  /** Seconds per epoch. */
  epochSeconds: number
  /** MESH wei the payer deposits into Payments. */
  deposit: bigint
  /** Chance that the gateway sends a completed request to a validator. */
  samplingProbability: number
  /** Tokens of each validator's paid probe; 0 probes health only. */
  probeTokens: number
  /** Provider index (0-based) → how it cheats. */
  cheats?: Readonly<Record<number, CheatMode>>
}

export type PlannedProvider = {
  /** `provider 1`: for messages. */
  name: string
  account: DevAccount
  dir: string
  configFile: string
  /** Its PGlite directory, as the config names it: relative to `dir`. */
  dataDir: string
  logFile: string
  port: number
  url: string
  region: string
  /** MESH wei per million input and output tokens. */
  prices: { input: bigint; output: bigint }
  cheat?: CheatMode
}

export type PlannedValidator = {
  name: string
  account: DevAccount
  dir: string
  configFile: string
  dataDir: string
  logFile: string
  port: number
  url: string
  /** Milliseconds between its probes of every provider: six per epoch, at least every 2 s. */
  probeIntervalMs: number
  /** The first validator also claims emissions for the others. */
  claimForOthers: boolean
}

export type PlannedDaemon = {
  dir: string
  configFile: string
  dataDir: string
  logFile: string
  port: number
  url: string
}

/** Everything `infermesh up` will create, decided before anything is: accounts, ports, directories, prices. */
export type DevnetPlan = {
  dir: string
  /** `<dir>/devnet`: the network's state, wiped at each start. */
  root: string
  logs: string
  /** `<dir>/cache`: the empty database template. */
  cacheDir: string
  /** `<dir>/devnet.json`. */
  devnetFile: string
  chain: { port: number; rpcUrl: string; chainId: number; logFile: string }
  deployer: DevAccount
  payer: DevAccount
  /** Every provider account of the devnet (`maxDevnetProviders`), in order: devnet.json lists them. */
  accounts: DevAccount[]
  /** The tiny model written at `path` (seed 1), or the given file. `name` is its name in the ModelRegistry. */
  model: { path: string; name: string; tiny: boolean }
  /** Where a cheating provider's second random-weights model goes (seed 2). */
  impostorModel: string
  threads: number | undefined
  epochSeconds: number
  deposit: bigint
  probeTokens: number
  providers: PlannedProvider[]
  validators: PlannedValidator[]
  gateway: PlannedDaemon & { samplingProbability: number }
  explorer: PlannedDaemon
  funding: {
    /** MESH minted for the payer and every provider and validator account. */
    mesh: bigint
    /** ETH for gas sent to each validator (their accounts are beyond anvil's funded ten). */
    validatorEth: bigint
    /** MESH each validator deposits into Payments, to pay for its probes. */
    validatorDeposit: bigint
  }
}

const regions = [
  'eu-west',
  'us-east',
  'ap-southeast',
  'us-west',
  'eu-north',
  'sa-east',
  'ap-northeast',
  'af-south',
]

/** The free ports a plan with these options takes from `freePorts`. */
export function portsNeeded(
  options: Pick<DevnetPlanOptions, 'providers' | 'validators' | 'chainPort' | 'gatewayPort' | 'explorerPort'>,
): number {
  return (
    options.providers +
    options.validators +
    [options.chainPort, options.gatewayPort, options.explorerPort].filter((port) => port === 0).length
  )
}

/**
 * The devnet `infermesh up` starts, as data and without I/O: the dev accounts (from anvil's public
 * mnemonic: the deployer, the payer, one per provider, one per validator), each process's port, URL,
 * directory, config and log file, and each provider's prices (provider N asks N MESH per million
 * input tokens and 2N per million output tokens) and region.
 *
 * @throws CliError: exit 2 when a count is out of range or two explicit ports are the same; exit 1
 * when `freePorts` are too few, repeated, or include a port given explicitly.
 * @example
 * ```ts
 * const plan = planDevnet({ dir: '.infermesh', providers: 3, validators: 3, chainPort: 8545, gatewayPort: 8000,
 *   explorerPort: 0, freePorts: [40001, 40002, 40003, 40004, 40005, 40006, 40007], epochSeconds: 30,
 *   deposit: parseEther('10000'), samplingProbability: 0.1, probeTokens: 4 })
 * plan.providers[1]?.url // 'http://127.0.0.1:40002'
 * ```
 */
export function planDevnet(options: DevnetPlanOptions): DevnetPlan {
  const { providers: count, validators: validatorCount } = options
  if (!Number.isInteger(count) || count < 0 || count > maxDevnetProviders)
    throw usageError(`--providers must be a whole number from 0 to ${maxDevnetProviders}`)
  if (!Number.isInteger(validatorCount) || validatorCount < 0 || validatorCount > maxDevnetValidators)
    throw usageError(`--validators must be a whole number from 0 to ${maxDevnetValidators}`)
  const explicit = [options.chainPort, options.gatewayPort, options.explorerPort].filter((port) => port !== 0)
  const free = [...options.freePorts]
  if (new Set(explicit).size !== explicit.length)
    throw usageError(
      `the chain, the gateway and the explorer need different ports, got ${explicit.join(', ')}`,
    )
  if (new Set(free).size !== free.length) throw new CliError(`free ports repeat: ${free.join(', ')}`)
  const clash = free.find((port) => explicit.includes(port))
  if (clash !== undefined) throw new CliError(`port ${clash} is given explicitly and also as a free port`)
  const needed = portsNeeded(options)
  if (free.length < needed) throw new CliError(`the devnet needs ${needed} free ports, got ${free.length}`)
  const take = () => free.shift() as number
  const chainPort = options.chainPort === 0 ? take() : options.chainPort
  const gatewayPort = options.gatewayPort === 0 ? take() : options.gatewayPort
  const providerPorts = Array.from({ length: count }, take)
  const validatorPorts = Array.from({ length: validatorCount }, take)
  const explorerPort = options.explorerPort === 0 ? take() : options.explorerPort

  const dir = resolve(options.dir)
  const root = join(dir, 'devnet')
  const logs = join(root, 'logs')
  const url = (port: number) => `http://127.0.0.1:${port}`
  const daemon = (daemonDir: string, configName: string, logName: string, port: number): PlannedDaemon => ({
    dir: daemonDir,
    configFile: join(daemonDir, configName),
    dataDir: 'data',
    logFile: join(logs, logName),
    port,
    url: url(port),
  })
  const accounts = Array.from({ length: maxDevnetProviders }, (_, i) => devAccount(2 + i))
  const tiny = options.model === undefined
  const modelPath = options.model === undefined ? join(root, 'models', 'tiny.gguf') : resolve(options.model)

  return {
    dir,
    root,
    logs,
    cacheDir: join(dir, 'cache'),
    devnetFile: join(dir, 'devnet.json'),
    chain: {
      port: chainPort,
      rpcUrl: url(chainPort),
      chainId: devnetChainId,
      logFile: join(logs, 'chain.log'),
    },
    deployer: devAccount(0),
    payer: devAccount(1),
    accounts,
    model: {
      path: modelPath,
      name: tiny ? 'tiny' : basename(modelPath).replace(/\.gguf$/i, '') || 'model',
      tiny,
    },
    impostorModel: join(root, 'models', 'impostor.gguf'),
    threads: options.threads ?? (tiny ? 1 : undefined),
    epochSeconds: options.epochSeconds,
    deposit: options.deposit,
    probeTokens: options.probeTokens,
    providers: providerPorts.map((port, i) => {
      const cheat = options.cheats?.[i]
      return {
        name: `provider ${i + 1}`,
        account: accounts[i] as DevAccount,
        ...daemon(
          join(root, 'providers', `provider-${i + 1}`),
          'provider.json',
          `provider-${i + 1}.log`,
          port,
        ),
        region: regions[i % regions.length] as string,
        prices: { input: parseEther(String(i + 1)), output: parseEther(String(2 * (i + 1))) },
        ...(cheat !== undefined && { cheat }),
      }
    }),
    validators: validatorPorts.map((port, i) => ({
      name: `validator ${i + 1}`,
      account: devAccount(2 + maxDevnetProviders + i),
      ...daemon(
        join(root, 'validators', `validator-${i + 1}`),
        'validator.json',
        `validator-${i + 1}.log`,
        port,
      ),
      probeIntervalMs: Math.max(2_000, Math.floor((options.epochSeconds * 1000) / 6)),
      claimForOthers: i === 0,
    })),
    gateway: {
      ...daemon(join(root, 'gateway'), 'gateway.json', 'gateway.log', gatewayPort),
      samplingProbability: options.samplingProbability,
    },
    explorer: daemon(join(root, 'explorer'), 'explorer.json', 'explorer.log', explorerPort),
    funding: {
      mesh: parseEther('100000'),
      validatorEth: parseEther('100'),
      validatorDeposit: parseEther('100'),
    },
  }
}

/** Account `index` of anvil's public dev mnemonic. */
function devAccount(index: number): DevAccount {
  const account = mnemonicToAccount(anvilMnemonic, { addressIndex: index })
  const key = account.getHdKey().privateKey
  if (!key) throw new Error(`no private key for dev account ${index}`)
  return { address: account.address, privateKey: toHex(key) }
}
