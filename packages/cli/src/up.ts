import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { basename, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import {
  anvilMnemonic,
  connect,
  type Deployment,
  deployContracts,
  freePort,
  meshTokenAbi,
  modelRegistryAbi,
  type ProviderConfigInput,
  paymentsAbi,
  providerConfigSchema,
} from '@infermesh/protocol'
import { type Address, formatEther, type Hex, parseEther, toHex, zeroAddress } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { CliError, usageError } from './CliError.js'
import { formatError } from './formatError.js'
import { createGatewayApiKey } from './gateway/createGatewayApiKey.js'
import { readDatabaseLock } from './gateway/databaseLock.js'
import type { GatewayFileConfigInput } from './gateway/gatewayFileSchema.js'
import { copyEmptyDatabase } from './network/copyEmptyDatabase.js'
import { type Daemon, daemonEnv, describeExit, spawnDaemon } from './network/spawnDaemon.js'
import { type DevnetChain, startDevnetChain } from './network/startDevnetChain.js'
import { type DevnetExplorer, startDevnetExplorer } from './network/startDevnetExplorer.js'
import { answersOk, waitUntil } from './network/waitUntil.js'
import { connectProviderChain } from './provider/connectProviderChain.js'
import { registerProvider } from './provider/registerProvider.js'
import { detectHardware, modelIdOfFile, writeTinyModel } from './providerPackage.js'
import type { ValidatorFileConfigInput } from './validator/validatorFileSchema.js'

const execFileAsync = promisify(execFile)

export type UpOptions = {
  /** Where devnet.json and the network's files go. Default `.infermesh`. */
  dir: string
  /** Port of the chain's RPC; a free one when 0. Default 8545. */
  chainPort: number
  /** MESH the dev payer deposits into Payments. */
  deposit: bigint
  /** Providers to start (0 to 8). Default 3. */
  providers: number
  /** A GGUF file for the providers to serve; the tiny random-weights model when absent. */
  model?: string
  /** The gateway's port; a free one when 0. Default 8000. */
  gatewayPort: number
  /** llama.cpp threads per provider. Default 1 for the tiny model, else llama.cpp's choice. */
  threads?: number
  /** The explorer's port; 0 for any free one. Default 8080 when free, else any (any when `gatewayPort` is 0). */
  explorerPort?: number
  /** Validators to start (0 to 3). Default 3. */
  validators?: number
  /** Seconds per epoch (uptime reports, emissions). Default 30. */
  epochSeconds?: number
  /** Tokens of each validator's paid probe; 0 probes health only. Default 4. */
  probeTokens?: number
  /** Chance that the gateway sends a completed request to a validator. Default 0.1. */
  samplingProbability?: number
  /**
   * Adversarial testing only: provider `index` (0-based) → how it cheats (`other-model` serves a second
   * random-weights model while advertising the real one; `truncate`; `random-tokens`). Validators should
   * catch and slash it.
   */
  cheats?: Record<number, 'other-model' | 'truncate' | 'random-tokens'>
  /** Progress lines for the person watching. */
  log: (line: string) => void
  /** Environment for the child processes (cleaned of INFERMESH_* settings). Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Aborts the start-up (Ctrl-C while starting): what started is stopped and `up` rejects. */
  signal?: AbortSignal
}

/** The rejection of `up` when its start-up was aborted through `signal`. */
export class UpAborted extends CliError {
  constructor() {
    super('start-up stopped')
  }
}

export type DevAccount = { address: Address; privateKey: Hex }

/** A provider of the devnet, as devnet.json lists it. */
export type DevnetProvider = {
  address: Address
  url: string
  /** Model names as the provider's /v1/models lists them. */
  models: string[]
  region: string
  /** Its process (`infermesh provider start`). */
  pid: number
  config: string
  log: string
}

/** A validator of the devnet, as devnet.json lists it. */
export type DevnetValidator = {
  address: Address
  url: string
  /** Its process (`infermesh validator start`). */
  pid: number
  config: string
  log: string
}

/** The devnet as other tools read it from `.infermesh/devnet.json`. */
export type Devnet = {
  chainId: number
  rpcUrl: string
  startBlock: string
  contracts: Deployment['contracts']
  /** The customer's endpoint and a dev API key; absent while the network starts. */
  gateway?: { url: string; apiKey: string; pid: number; config: string; log: string }
  /** The explorer (web app and read API); absent while the network starts. */
  explorer?: DevnetExplorer
  providers: DevnetProvider[]
  validators: DevnetValidator[]
  /** Seconds per epoch. */
  epochSeconds: number
  payer: DevAccount
  deployer: DevAccount
  /** Funded accounts for providers and validators to use, in order (the first ones are the providers'). */
  accounts: DevAccount[]
}

export type RunningDevnet = {
  devnet: Devnet
  file: string
  /** Seconds from the start to everything answering /ready. */
  readySeconds: number
  /** Every child process: the providers and the gateway. */
  daemons: Daemon[]
  /**
   * Resolves when a child process exits on its own (not stopped by `stop`), with it; call again for
   * the next one.
   */
  nextUnexpectedExit: () => Promise<Daemon>
  /** Stops the gateway, then the providers (they redeem what they are owed), then the chain. */
  stop: () => Promise<void>
}

/** Dev accounts hold 10,000 ETH on anvil: the deployer, the payer and 8 for providers. */
export const maxDevnetProviders = 8
/** Validators get the next accounts (funded with ETH by the deployer). */
export const maxDevnetValidators = 3
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

function devAccount(index: number): DevAccount {
  const account = mnemonicToAccount(anvilMnemonic, { addressIndex: index })
  const key = account.getHdKey().privateKey
  if (!key) throw new Error(`no private key for dev account ${index}`)
  return { address: account.address, privateKey: toHex(key) }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Rejects (with a message naming the daemon and its log) when the daemon exits. */
function exitOf(daemon: Daemon): Promise<never> {
  return daemon.exited.then(async (result) => {
    throw new CliError(
      `${daemon.name} stopped while starting (${describeExit(result)}); the end of its log ${daemon.logFile}:\n${await daemon.tail()}`,
    )
  })
}

/**
 * Brings the whole network up on this machine: an anvil chain with the contracts, MESH for the dev
 * accounts and a funded payer deposit; the model (the tiny one unless given) registered by name;
 * `providers` providers, each staked and registered on-chain with its own config directory, price and
 * region, each running as a child process (`infermesh provider start`); then the gateway as a child
 * process (`infermesh gateway start`) with a dev API key. Once every process answers /ready and the
 * gateway routes to every provider, writes `devnet.json`. Child output goes to `<dir>/devnet/logs/`.
 *
 * The network's state (`<dir>/devnet/`) belongs to this chain, which starts empty: it is wiped first.
 *
 * @throws CliError when a port is taken, another `up` runs on the directory, or a process fails to
 * start (with the end of its log); everything started is stopped first.
 */
export async function up(options: UpOptions): Promise<RunningDevnet> {
  const started = Date.now()
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1)
  const log = (what: string, line: string) =>
    options.log(`[${seconds().padStart(5)}s] ${what.padEnd(11)} ${line}`)
  const dir = resolve(options.dir)
  const root = join(dir, 'devnet')
  const logs = join(root, 'logs')
  const env = daemonEnv(options.env ?? process.env)

  if (options.model !== undefined)
    await access(resolve(options.model), constants.R_OK).catch((cause: Error) => {
      throw usageError(
        `cannot read the model ${resolve(options.model as string)} (--model): ${cause.message}`,
        cause,
      )
    })
  const running = await readDatabaseLock(join(root, 'gateway', 'data'))
  if (running)
    throw new CliError(
      `another "infermesh up" runs on ${dir} (its gateway is pid ${running.pid}): stop it, or pass another --dir`,
    )
  if (options.gatewayPort !== 0 && !(await portIsFree(options.gatewayPort)))
    throw new CliError(
      `port ${options.gatewayPort} is in use: pass --port with a free port for the gateway (0 for any)`,
    )
  const chainPort = options.chainPort === 0 ? await freePort() : options.chainPort
  const givenPorts = new Set<number>([chainPort, options.gatewayPort])
  const pickPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort()
      if (!givenPorts.has(port)) {
        givenPorts.add(port)
        return port
      }
    }
  }
  if (options.chainPort !== 0 && !(await portIsFree(chainPort)))
    throw new CliError(
      `port ${chainPort} is in use (a devnet already running?): pass --chain-port with a free port (0 for any)`,
    )

  let anvil: DevnetChain | undefined
  const daemons: Daemon[] = []
  // Steps started side by side; if start-up fails, they settle before everything is stopped. Each one
  // is marked handled here: it is awaited later, and may reject before then.
  const pending: Promise<unknown>[] = []
  const track = (...steps: Promise<unknown>[]) => {
    for (const step of steps) {
      step.catch(() => {})
      pending.push(step)
    }
  }
  let stopping = false
  const stopAll = async () => {
    stopping = true
    const gateway = daemons.filter((d) => d.name === 'gateway')
    for (const daemon of gateway) log(daemon.name, `stopping (pid ${daemon.pid})…`)
    await Promise.all(gateway.map(async (d) => log(d.name, `stopped (${await d.stop(20_000)})`)))
    const validators = daemons.filter((d) => d.name.startsWith('validator'))
    await Promise.all(validators.map(async (d) => log(d.name, `stopped (${await d.stop(20_000)})`)))
    const providers = daemons.filter((d) => d.name !== 'gateway' && !d.name.startsWith('validator'))
    if (providers.length > 0) log('providers', 'stopping: finishing requests, redeeming vouchers…')
    await Promise.all(providers.map(async (d) => log(d.name, `stopped (${await d.stop(30_000)})`)))
    if (anvil) {
      await anvil.stop()
      log('chain', 'stopped')
    }
  }

  const aborted = new Promise<never>((_resolve, reject) => {
    if (options.signal?.aborted) reject(new UpAborted())
    options.signal?.addEventListener('abort', () => reject(new UpAborted()), { once: true })
  })
  aborted.catch(() => {})
  const checkAborted = () => {
    if (options.signal?.aborted) throw new UpAborted()
  }

  try {
    // The last run's state is moved aside at once and deleted in the background (hundreds of MB).
    const trash = `${root}.old-${process.pid}`
    const moved = await rename(root, trash).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
        return false
      },
    )
    // `rm -rf` in a child process: fs.rm would queue thousands of calls on libuv's threadpool, which
    // every other file operation of the start-up waits behind.
    const cleared = moved
      ? execFileAsync('rm', ['-rf', trash]).then(
          () => {},
          () => rm(trash, { recursive: true, force: true }),
        )
      : Promise.resolve()
    track(cleared)
    await mkdir(logs, { recursive: true })

    const deployer = devAccount(0)
    const payer = devAccount(1)
    const accounts = Array.from({ length: maxDevnetProviders }, (_, i) => devAccount(i + 2))
    const validatorCount = options.validators ?? 3
    const validatorAccounts = Array.from({ length: validatorCount }, (_, i) =>
      devAccount(2 + maxDevnetProviders + i),
    )
    const validatorDirs = validatorAccounts.map((_, i) => join(root, 'validators', `validator-${i + 1}`))
    const epochSeconds = options.epochSeconds ?? 30
    const count = options.providers
    const providerDirs = Array.from({ length: count }, (_, i) => join(root, 'providers', `provider-${i + 1}`))
    const gatewayDir = join(root, 'gateway')

    // Independent preparations run side by side: the chain, the model, the empty databases, hardware.
    const chainReady = (async () => {
      log('chain', `starting anvil on port ${chainPort}…`)
      anvil = await startDevnetChain({ port: chainPort, logFile: join(logs, 'chain.log') })
      log('chain', `${anvil.rpcUrl} (chain id ${anvil.chainId})`)
      const deployment = await deployContracts({
        rpcUrl: anvil.rpcUrl,
        deployerKey: deployer.privateKey,
        deployerIsMinter: true,
        // Short epochs and votes so a person watching sees uptime, emissions and disputes happen.
        params: { epochLength: BigInt(epochSeconds), votingPeriod: 60n },
      })
      log(
        'contracts',
        `token ${deployment.contracts.token}, registry ${deployment.contracts.registry}, payments ${deployment.contracts.payments}`,
      )
      return { rpcUrl: anvil.rpcUrl, deployment }
    })()
    const modelReady = (async () => {
      if (options.model !== undefined) {
        const path = resolve(options.model)
        const name = basename(path).replace(/\.gguf$/i, '') || 'model'
        const modelId = await modelIdOfFile(path).catch((cause: Error) => {
          throw usageError(`cannot read the model ${path} (--model): ${cause.message}`, cause)
        })
        return { path, name, modelId }
      }
      const path = join(root, 'models', 'tiny.gguf')
      await mkdir(join(root, 'models'), { recursive: true })
      await writeTinyModel({ out: path, seed: 1 })
      return { path, name: 'tiny', modelId: await modelIdOfFile(path) }
    })()
    const databasesReady = (async () => {
      await Promise.all(
        [...providerDirs, gatewayDir, ...validatorDirs].map((d) => mkdir(d, { recursive: true })),
      )
      await copyEmptyDatabase({
        cacheDir: join(dir, 'cache'),
        targets: [
          ...providerDirs.map((d) => join(d, 'data')),
          join(gatewayDir, 'data'),
          ...validatorDirs.map((d) => join(d, 'data')),
        ],
      })
    })()
    // MESH for every dev account, the payer's deposit and the model's name, once the contracts are there.
    const fundedReady = (async () => {
      const [{ rpcUrl, deployment }, model] = await Promise.all([chainReady, modelReady])
      const { publicClient, walletClient } = await connect({ rpcUrl, privateKey: deployer.privateKey })
      const payerClient = (await connect({ rpcUrl, privateKey: payer.privateKey })).walletClient
      if (!walletClient || !payerClient) throw new Error('no wallet client')
      const { token, payments, models } = deployment.contracts
      const hashes: Hex[] = []
      // Validators' accounts are beyond anvil's ten funded ones: they get ETH for gas from the deployer.
      for (const account of validatorAccounts)
        hashes.push(await walletClient.sendTransaction({ to: account.address, value: parseEther('100') }))
      for (const account of [payer, ...accounts, ...validatorAccounts])
        hashes.push(
          await walletClient.writeContract({
            address: token,
            abi: meshTokenAbi,
            functionName: 'mint',
            args: [account.address, parseEther('100000')],
          }),
        )
      hashes.push(
        await walletClient.writeContract({
          address: models,
          abi: modelRegistryAbi,
          functionName: 'register',
          args: [model.modelId, model.name, '', 0, zeroAddress],
        }),
      )
      await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })))
      for (const call of [
        { address: token, abi: meshTokenAbi, functionName: 'approve', args: [payments, options.deposit] },
        { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [options.deposit] },
      ] as const) {
        const hash = await payerClient.writeContract(call as Parameters<typeof payerClient.writeContract>[0])
        const receipt = await publicClient.waitForTransactionReceipt({ hash })
        if (receipt.status !== 'success') throw new Error(`payer ${call.functionName} reverted`)
      }
      // Validators pay for their probes like customers: a small deposit each.
      await Promise.all(
        validatorAccounts.map(async (account) => {
          const client = (await connect({ rpcUrl, privateKey: account.privateKey })).walletClient
          if (!client) throw new Error('no wallet client')
          for (const call of [
            {
              address: token,
              abi: meshTokenAbi,
              functionName: 'approve',
              args: [payments, parseEther('100')],
            },
            { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [parseEther('100')] },
          ] as const) {
            const hash = await client.writeContract(call as Parameters<typeof client.writeContract>[0])
            const receipt = await publicClient.waitForTransactionReceipt({ hash })
            if (receipt.status !== 'success') throw new Error(`validator ${call.functionName} reverted`)
          }
        }),
      )
      log(
        'accounts',
        `funded with MESH; payer ${payer.address} deposited ${formatEther(options.deposit)} MESH`,
      )
    })()
    track(chainReady, modelReady, databasesReady, fundedReady)
    const hardwareReady = detectHardware()
    // Free ports, each handed out once: the kernel may offer a port again until its process binds it
    // (the chain's, while anvil is still starting), so every port given away is remembered.
    const portsReady = (async () => {
      const ports: number[] = []
      for (let i = 0; i < providerDirs.length + 1 + validatorDirs.length; i++) ports.push(await pickPort())
      return ports
    })()

    const [{ rpcUrl, deployment }, model, hardware, freePorts] = await Promise.race([
      Promise.all([chainReady, modelReady, hardwareReady, portsReady, databasesReady]),
      aborted,
    ])
    checkAborted()
    log(
      'model',
      `${model.name}: ${model.path} (model id ${model.modelId})${options.model === undefined ? ', random weights: its text is noise' : ''}`,
    )
    const threads = options.threads ?? (options.model === undefined ? 1 : undefined)
    // A cheating provider's environment (adversarial tests); `other-model` needs a second model file.
    let impostorModel: Promise<string> | undefined
    const cheatEnv = async (i: number): Promise<Record<string, string>> => {
      const mode = options.cheats?.[i]
      if (!mode) return {}
      if (mode !== 'other-model') return { INFERMESH_CHEAT_MODE: mode }
      impostorModel ??= (async () => {
        const path = join(root, 'models', 'impostor.gguf')
        await mkdir(join(root, 'models'), { recursive: true })
        await writeTinyModel({ out: path, seed: 2 })
        return path
      })()
      return { INFERMESH_CHEAT_MODE: mode, INFERMESH_CHEAT_MODEL: await impostorModel }
    }

    // Providers: write each config and start each process at once; register each on-chain once funded.
    const providerStarts = providerDirs.map(async (providerDir, i) => {
      const account = accounts[i] as DevAccount
      const name = `provider ${i + 1}`
      const port = freePorts[i] as number
      const url = `http://127.0.0.1:${port}`
      const region = regions[i % regions.length] as string
      const prices = { input: parseEther(String(i + 1)), output: parseEther(String(2 * (i + 1))) }
      const input: ProviderConfigInput = {
        chain: { rpcUrl, chainId: deployment.chainId, contracts: deployment.contracts },
        keystore: { privateKey: account.privateKey },
        server: { host: '127.0.0.1', port },
        backend: {
          kind: 'llama',
          models: [{ name: model.name, path: model.path, modelId: model.modelId, embeddings: true }],
          ...(threads !== undefined && { threads }),
        },
        offers: [
          {
            model: model.name,
            pricePerMInput: prices.input.toString(),
            pricePerMOutput: prices.output.toString(),
          },
        ],
        payments: { creditLimit: parseEther('10').toString(), settleIntervalMs: 10_000 },
        database: { dir: 'data' },
        registration: { endpoint: url, region, hardware },
      }
      const configFile = join(providerDir, 'provider.json')
      await writeFile(configFile, `${JSON.stringify(input, null, 2)}\n`, { mode: 0o600 })
      const daemon = await spawnDaemon({
        name,
        args: ['provider', 'start', '--config', configFile],
        logFile: join(logs, `provider-${i + 1}.log`),
        env: { ...env, ...(await cheatEnv(i)) },
      })
      daemons.push(daemon)
      log(
        name,
        `${account.address} starting at ${url} (pid ${daemon.pid}), ${region}, ${formatEther(prices.input)}/${formatEther(prices.output)} MESH per 1M input/output tokens`,
      )
      await fundedReady
      const config = providerConfigSchema.parse({ ...input, database: { dir: join(providerDir, 'data') } })
      const signer = privateKeyToAccount(account.privateKey)
      await registerProvider({ config, chain: await connectProviderChain(config, signer), log: () => {} })
      log(name, 'staked and registered in the Registry')
      return { daemon, address: account.address, url, region, configFile }
    })
    track(...providerStarts)

    // The gateway starts alongside (once the payer's deposit is there): it follows the Registry's events.
    await Promise.race([fundedReady, aborted])
    checkAborted()
    const gatewayPort = options.gatewayPort === 0 ? (freePorts[count] as number) : options.gatewayPort
    const gatewayConfig: GatewayFileConfigInput = {
      chain: { rpcUrl, contracts: deployment.contracts },
      server: { host: '127.0.0.1', port: gatewayPort },
      allowPrivatePeers: true, // every daemon of the devnet listens on 127.0.0.1
      database: { dir: 'data' },
      payer: { privateKey: payer.privateKey },
      routing: { firstByteTimeoutMs: 30_000, suspendMs: 10_000 },
      discovery: { refreshMs: 5_000, probeMs: 500 },
      sampling: { probability: options.samplingProbability ?? 0.1 },
    }
    const gatewayConfigFile = join(gatewayDir, 'gateway.json')
    await writeFile(gatewayConfigFile, `${JSON.stringify(gatewayConfig, null, 2)}\n`, { mode: 0o600 })
    const gateway = await spawnDaemon({
      name: 'gateway',
      args: ['gateway', 'start', '--config', gatewayConfigFile],
      logFile: join(logs, 'gateway.log'),
      env,
    })
    daemons.push(gateway)
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
    log('gateway', `starting at ${gatewayUrl} (pid ${gateway.pid}), paying as ${payer.address}`)

    // The explorer (its own process): indexes the chain from the deployment's block, probes providers.
    const explorerReady = startDevnetExplorer({
      root,
      dir,
      logs,
      env,
      rpcUrl,
      deployment,
      // With the gateway on any free port (tests, several devnets), the explorer takes any free port too.
      port: options.explorerPort ?? (options.gatewayPort === 0 ? 0 : undefined),
      pickPort,
      onSpawn: (daemon) => daemons.push(daemon),
      log: (line) => log('explorer', line),
      abandon: aborted,
    })
    track(explorerReady)

    // Validators: each stakes and registers itself at start, then probes and re-executes.
    const validatorStarts = validatorDirs.map(async (validatorDir, i) => {
      const account = validatorAccounts[i] as DevAccount
      const name = `validator ${i + 1}`
      const port = freePorts[count + 1 + i] as number
      const url = `http://127.0.0.1:${port}`
      const input: ValidatorFileConfigInput = {
        chain: { rpcUrl, contracts: deployment.contracts },
        server: { host: '127.0.0.1', port },
        database: { dir: 'data' },
        key: { privateKey: account.privateKey },
        models: [{ modelId: model.modelId, path: model.path }],
        verifier: { threads: 1 },
        probe: {
          intervalMs: Math.max(2_000, Math.floor((epochSeconds * 1000) / 6)),
          maxTokens: options.probeTokens ?? 4,
        },
        epochs: { pollMs: 1_000, claimForOthers: i === 0 },
      }
      const configFile = join(validatorDir, 'validator.json')
      await writeFile(configFile, `${JSON.stringify(input, null, 2)}\n`, { mode: 0o600 })
      const daemon = await spawnDaemon({
        name,
        args: ['validator', 'start', '--config', configFile],
        logFile: join(logs, `validator-${i + 1}.log`),
        env,
      })
      daemons.push(daemon)
      log(name, `${account.address} starting at ${url} (pid ${daemon.pid})`)
      await waitUntil(() => answersOk(`${url}/ready`), {
        timeoutMs: 180_000,
        message: `${name} did not answer ${url}/ready within 3 minutes; see ${daemon.logFile}`,
        abandon: Promise.race([exitOf(daemon), aborted]),
      })
      log(name, 'staked, registered and ready')
      return { address: account.address, url, pid: daemon.pid, config: configFile, log: daemon.logFile }
    })
    track(...validatorStarts)

    // The dev API key goes in through the running gateway's admin route (its database is open there).
    const apiKeyReady = (async () => {
      await waitUntil(() => answersOk(`${gatewayUrl}/ready`), {
        timeoutMs: 120_000,
        message: `the gateway did not answer ${gatewayUrl}/ready within 2 minutes; see ${gateway.logFile}`,
        abandon: Promise.race([exitOf(gateway), aborted]),
      })
      const created = await createGatewayApiKey({
        database: { dir: join(gatewayDir, 'data') },
        name: 'infermesh up (dev)',
      })
      log('gateway', 'answers; dev API key created')
      return created.key
    })()
    track(apiKeyReady)

    const providers = await Promise.race([Promise.all(providerStarts), aborted])
    await Promise.all(
      providers.map(async ({ daemon, url }) => {
        await waitUntil(() => answersOk(`${url}/ready`), {
          timeoutMs: 180_000,
          message: `${daemon.name} did not answer ${url}/ready within 3 minutes; see ${daemon.logFile}`,
          abandon: Promise.race([exitOf(daemon), aborted]),
        })
        log(daemon.name, 'ready')
      }),
    )
    const apiKey = await Promise.race([apiKeyReady, aborted])
    const auth = { authorization: `Bearer ${apiKey}` }
    await waitUntil(
      async () => {
        if (count === 0) return true
        const response = await fetch(`${gatewayUrl}/v1/models`, {
          headers: auth,
          signal: AbortSignal.timeout(1000),
        })
        const body = (await response.json()) as {
          data?: { id: string; infermesh?: { providers?: number } }[]
        }
        return body.data?.find((m) => m.id === model.name)?.infermesh?.providers === count
      },
      {
        timeoutMs: 60_000,
        message: `the gateway did not route to all ${count} providers within 60 s; see ${gateway.logFile}`,
        abandon: Promise.race([exitOf(gateway), aborted]),
      },
    )
    log('gateway', `ready, routing to ${count} provider${count === 1 ? '' : 's'}`)

    const devnetValidators: DevnetValidator[] = await Promise.race([Promise.all(validatorStarts), aborted])
    const devnetProviders: DevnetProvider[] = await Promise.all(
      providers.map(async (p) => {
        const response = await fetch(`${p.url}/v1/models`, { signal: AbortSignal.timeout(5000) })
        const body = (await response.json()) as { data: { id: string }[] }
        return {
          address: p.address,
          url: p.url,
          models: body.data.map((m) => m.id),
          region: p.region,
          pid: p.daemon.pid,
          config: p.configFile,
          log: p.daemon.logFile,
        }
      }),
    )
    const devnet: Devnet = {
      chainId: deployment.chainId,
      rpcUrl,
      startBlock: deployment.startBlock.toString(),
      contracts: deployment.contracts,
      gateway: { url: gatewayUrl, apiKey, pid: gateway.pid, config: gatewayConfigFile, log: gateway.logFile },
      explorer: await Promise.race([explorerReady, aborted]),
      providers: devnetProviders,
      validators: devnetValidators,
      epochSeconds,
      payer,
      deployer,
      accounts,
    }
    await cleared
    const file = join(dir, 'devnet.json')
    await writeFile(file, `${JSON.stringify(devnet, null, 2)}\n`, { mode: 0o600 })
    const readySeconds = (Date.now() - started) / 1000

    // After start-up, a child that exits on its own is reported, one at a time, in order.
    const unexpected: Daemon[] = []
    const waiting: ((daemon: Daemon) => void)[] = []
    for (const daemon of daemons)
      void daemon.exited.then(() => {
        if (stopping) return
        const next = waiting.shift()
        if (next) next(daemon)
        else unexpected.push(daemon)
      })
    return {
      devnet,
      file,
      readySeconds,
      daemons,
      nextUnexpectedExit: () => {
        const first = unexpected.shift()
        return first ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve))
      },
      stop: stopAll,
    }
  } catch (error) {
    if (!(error instanceof UpAborted))
      options.log(`start-up failed: ${formatError(error)}; stopping what started…`)
    // Steps still running (a provider being spawned) settle before everything is stopped.
    await Promise.allSettled(pending)
    await stopAll().catch(() => {})
    throw error
  }
}
