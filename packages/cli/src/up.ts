import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeTinyModel } from '@infermesh/llama/writeTinyModel'
import { detectHardware } from '@infermesh/provider/hardware'
import { formatEther } from 'viem'
import { CliError } from './CliError.js'
import { formatError } from './formatError.js'
import { type Daemon, daemonEnv } from './network/spawnDaemon.js'
import { answersOk, waitUntil } from './network/waitUntil.js'
import { clearDevnetState } from './up/clearDevnetState.js'
import { createDevApiKey } from './up/createDevApiKey.js'
import type { Devnet, DevnetProvider, DevnetValidator } from './up/Devnet.js'
import { deployDevnetContracts } from './up/deployDevnetContracts.js'
import { describeDevnetProvider } from './up/describeDevnetProvider.js'
import { exitOf } from './up/exitOf.js'
import { fundDevnetAccounts } from './up/fundDevnetAccounts.js'
import { type CheatMode, type DevAccount, defaultDevnetValidators } from './up/planDevnet.js'
import { preflightDevnet } from './up/preflightDevnet.js'
import { prepareDatabases } from './up/prepareDatabases.js'
import { prepareModel } from './up/prepareModel.js'
import { type DevnetChain, startDevnetChain } from './up/startDevnetChain.js'
import { startDevnetExplorer } from './up/startDevnetExplorer.js'
import { startDevnetGateway } from './up/startDevnetGateway.js'
import { startDevnetProvider } from './up/startDevnetProvider.js'
import { startDevnetValidator } from './up/startDevnetValidator.js'
import { stopDevnet } from './up/stopDevnet.js'
import { waitForRouting } from './up/waitForRouting.js'
import { watchUnexpectedExits } from './up/watchUnexpectedExits.js'
import { writeDevnetFile } from './up/writeDevnetFile.js'

export type { DevAccount, Devnet, DevnetProvider, DevnetValidator }

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
  /** Validators to start (0 to 8). Default 4: a committee of 3 besides the challenger. */
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
  cheats?: Record<number, CheatMode>
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

export type RunningDevnet = {
  devnet: Devnet
  file: string
  /** Seconds from the start to everything answering /ready. */
  readySeconds: number
  /** Every child process: the providers, the validators, the gateway and the explorer. */
  daemons: Daemon[]
  /**
   * Resolves when a child process exits on its own (not stopped by `stop`), with it; call again for
   * the next one.
   */
  nextUnexpectedExit: () => Promise<Daemon>
  /** Stops the gateway, then the validators, the providers (they redeem what they are owed), then the chain. */
  stop: () => Promise<void>
}

/**
 * Brings the whole network up on this machine, following a plan made first (`planDevnet`: accounts,
 * ports, directories, prices): an anvil chain with the contracts, MESH for the dev accounts and a
 * funded payer deposit; the model (the tiny one unless given) registered by name; the providers, each
 * staked and registered on-chain with its own config directory, price and region, each a child
 * process (`infermesh provider start`); the validators; the gateway (`infermesh gateway start`) with a
 * dev API key; and the explorer. Once every process answers /ready and the gateway routes to every
 * provider, writes `devnet.json`. Child output goes to `<dir>/devnet/logs/`.
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
  const env = daemonEnv(options.env ?? process.env)
  const plan = await preflightDevnet({
    dir: options.dir,
    providers: options.providers,
    validators: options.validators ?? defaultDevnetValidators,
    chainPort: options.chainPort,
    gatewayPort: options.gatewayPort,
    epochSeconds: options.epochSeconds ?? 30,
    deposit: options.deposit,
    samplingProbability: options.samplingProbability ?? 0.1,
    probeTokens: options.probeTokens ?? 4,
    ...(options.explorerPort !== undefined && { explorerPort: options.explorerPort }),
    ...(options.model !== undefined && { model: options.model }),
    ...(options.threads !== undefined && { threads: options.threads }),
    ...(options.cheats !== undefined && { cheats: options.cheats }),
  })

  let chain: DevnetChain | undefined
  const daemons: Daemon[] = []
  const onSpawn = (daemon: Daemon) => daemons.push(daemon)
  // Steps started side by side; if start-up fails, they settle before everything is stopped. Each one
  // is marked handled here: it is awaited later, and may reject before then.
  const pending: Promise<unknown>[] = []
  const track = <T>(step: Promise<T>): Promise<T> => {
    step.catch(() => {})
    pending.push(step)
    return step
  }
  let stopping = false
  const stopAll = async () => {
    stopping = true
    await stopDevnet({ daemons, chain, log })
  }
  const aborted = new Promise<never>((_resolve, reject) => {
    if (options.signal?.aborted) reject(new UpAborted())
    options.signal?.addEventListener('abort', () => reject(new UpAborted()), { once: true })
  })
  aborted.catch(() => {})
  const orAborted = <T>(step: Promise<T>) => Promise.race([step, aborted])

  try {
    const { cleared } = await clearDevnetState(plan)
    track(cleared)

    // Independent preparations run side by side: the chain and its contracts, the model, the empty
    // databases, the hardware description.
    const chainReady = track(
      (async () => {
        log('chain', `starting anvil on port ${plan.chain.port}…`)
        chain = await startDevnetChain({ port: plan.chain.port, logFile: plan.chain.logFile })
        log('chain', `${chain.rpcUrl} (chain id ${chain.chainId})`)
        const deployment = await deployDevnetContracts(plan)
        const { token, registry, payments } = deployment.contracts
        log('contracts', `token ${token}, registry ${registry}, payments ${payments}`)
        // On-chain jobs (issue 15): the coordinator providers' job workers serve, and the example consumer.
        const jobs = deployment.contracts as { jobCoordinator?: string; questionOracle?: string }
        if (jobs.jobCoordinator)
          log(
            'contracts',
            `job coordinator ${jobs.jobCoordinator}, QuestionOracle ${jobs.questionOracle ?? 'none'}`,
          )
        return deployment
      })(),
    )
    const modelReady = track(prepareModel(plan))
    const databasesReady = track(prepareDatabases(plan))
    const fundedReady = track(
      (async () => {
        const [deployment, model] = await Promise.all([chainReady, modelReady])
        await fundDevnetAccounts({ plan, deployment, model })
        log(
          'accounts',
          `funded with MESH; payer ${plan.payer.address} deposited ${formatEther(plan.deposit)} MESH`,
        )
      })(),
    )
    const [deployment, model, hardware] = await orAborted(
      Promise.all([chainReady, modelReady, detectHardware(), databasesReady]),
    )
    if (options.signal?.aborted) throw new UpAborted()
    log(
      'model',
      `${model.name}: ${model.path} (model id ${model.modelId})${plan.model.tiny ? ', random weights: its text is noise' : ''}`,
    )
    let impostor: Promise<string> | undefined
    const impostorModel = () =>
      (impostor ??= (async () => {
        await mkdir(dirname(plan.impostorModel), { recursive: true })
        await writeTinyModel({ out: plan.impostorModel, seed: 2 })
        return plan.impostorModel
      })())

    // Providers: each config written and each process started at once; each registered once funded.
    const providerStarts = plan.providers.map((provider) =>
      track(
        startDevnetProvider({
          plan,
          provider,
          deployment,
          model,
          hardware,
          env,
          impostorModel,
          funded: fundedReady,
          onSpawn,
          log,
        }),
      ),
    )
    // The gateway starts alongside, once the payer's deposit is there: it follows the Registry's events.
    await orAborted(fundedReady)
    if (options.signal?.aborted) throw new UpAborted()
    const gateway = await startDevnetGateway({ plan, deployment, env, log })
    onSpawn(gateway)
    const explorerReady = track(
      startDevnetExplorer({
        plan,
        env,
        deployment,
        onSpawn,
        log: (line) => log('explorer', line),
        abandon: aborted,
      }),
    )
    const validatorStarts = plan.validators.map((validator) =>
      track(
        startDevnetValidator({ plan, validator, deployment, model, env, onSpawn, log, abandon: aborted }),
      ),
    )
    const apiKeyReady = track(
      createDevApiKey({ plan, gateway, abandon: aborted }).then((key) => {
        log('gateway', 'answers; dev API key created')
        return key
      }),
    )

    const providers = await orAborted(Promise.all(providerStarts))
    await Promise.all(
      providers.map(async ({ daemon, provider }) => {
        await waitUntil(() => answersOk(`${provider.url}/ready`), {
          timeoutMs: 180_000,
          message: `${daemon.name} did not answer ${provider.url}/ready within 3 minutes; see ${daemon.logFile}`,
          abandon: Promise.race([exitOf(daemon), aborted]),
        })
        log(daemon.name, 'ready')
      }),
    )
    const apiKey = await orAborted(apiKeyReady)
    await waitForRouting({ plan, gateway, apiKey, model: model.name, abandon: aborted })
    const count = plan.providers.length
    log('gateway', `ready, routing to ${count} provider${count === 1 ? '' : 's'}`)

    const devnet: Devnet = {
      chainId: deployment.chainId,
      rpcUrl: plan.chain.rpcUrl,
      startBlock: deployment.startBlock.toString(),
      contracts: deployment.contracts,
      gateway: {
        url: plan.gateway.url,
        apiKey,
        pid: gateway.pid,
        config: plan.gateway.configFile,
        log: gateway.logFile,
      },
      explorer: await orAborted(explorerReady),
      providers: await Promise.all(providers.map(describeDevnetProvider)),
      validators: await orAborted(Promise.all(validatorStarts)),
      epochSeconds: plan.epochSeconds,
      payer: plan.payer,
      deployer: plan.deployer,
      accounts: plan.accounts,
    }
    await cleared
    await writeDevnetFile(plan.devnetFile, devnet)
    const readySeconds = (Date.now() - started) / 1000

    return {
      devnet,
      file: plan.devnetFile,
      readySeconds,
      daemons,
      // After start-up, a child that exits on its own is reported, one at a time, in order.
      nextUnexpectedExit: watchUnexpectedExits(daemons, () => stopping),
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
