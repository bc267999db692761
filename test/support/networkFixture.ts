import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatewayConfigSchema, type RunningGateway, startGateway } from '@infermesh/gateway'
import { modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import {
  type Anvil,
  anvilMnemonic,
  type Connection,
  type Deployment,
  type DeployParams,
  devDeployerKey,
  meshTokenAbi,
  modelRegistryAbi,
  providerConfigSchema,
  registryAbi,
  startDevChain,
} from '@infermesh/protocol'
import { type RunningProvider, startProvider } from '@infermesh/provider'
import pino from 'pino'
import type { Hex, LocalAccount } from 'viem'
import { parseEther } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

export const devAccount = (index: number): LocalAccount =>
  mnemonicToAccount(anvilMnemonic, { addressIndex: index })

export type FixtureProvider = {
  account: LocalAccount
  running: RunningProvider
  price: { input: bigint; output: bigint }
}

export type NetworkFixture = {
  anvil: Anvil
  deployment: Deployment
  dir: string
  modelId: Hex
  payer: LocalAccount
  royaltyReceiver: `0x${string}`
  providers: FixtureProvider[]
  gateway: RunningGateway
  apiKey: string
  read: Connection['publicClient']
  /** Starts (or restarts) a gateway on the fixture's database (PostgreSQL at `databaseUrl` when given). */
  startGateway: (port?: number) => Promise<RunningGateway>
  close: () => Promise<void>
}

/**
 * A whole network on this machine for gateway tests: anvil with the contracts, the tiny model
 * registered with a 10% royalty, `count` providers (different prices) staked and registered on-chain,
 * a payer with a deposit, and a gateway with an API key.
 */
export async function startNetwork(
  options: {
    providers?: number
    deposit?: bigint
    databaseUrl?: string
    /** The gateway's sampling probability (Proof of Sampling). Default 0.05. */
    sampling?: number
    /** Protocol parameters (e.g. a short `epochLength`). */
    params?: Partial<DeployParams>
    /** How long the gateway suspends a provider after `failuresToSuspend` failures. Default 5 s. */
    suspendMs?: number
  } = {},
): Promise<NetworkFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-net-'))
  const devChain = await startDevChain(options.params ? { params: options.params } : {})
  const { anvil, deployment, publicClient, send } = devChain
  const cleanups: (() => Promise<void>)[] = [
    async () => devChain.stop(),
    async () => rm(dir, { recursive: true, force: true }),
  ]
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  }
  try {
    const { token, registry, models } = deployment.contracts
    const payer = devAccount(1)
    const royaltyReceiver = devAccount(9).address
    const modelPath = join(dir, 'tiny.gguf')
    await writeTinyModel({ out: modelPath, seed: 1 })
    const modelId = await modelIdOfFile(modelPath)
    await send(devAccount(8), {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny', '', 1000, royaltyReceiver],
    })
    const deposit = options.deposit ?? parseEther('1000')
    await devChain.mint(payer.address, parseEther('100000'))
    await devChain.deposit(payer, deposit)

    const providers: FixtureProvider[] = []
    for (let i = 0; i < (options.providers ?? 3); i++) {
      const account = devAccount(2 + i)
      const price = { input: parseEther(String(1000 * (i + 1))), output: parseEther(String(2000 * (i + 1))) }
      await devChain.mint(account.address, parseEther('5000'))
      await send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, parseEther('2000')],
      })
      await send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'stake',
        args: [parseEther('2000')],
      })
      const config = providerConfigSchema.parse({
        chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
        keystore: { privateKey: devDeployerKey },
        server: { port: 0 },
        backend: {
          kind: 'llama',
          models: [{ name: 'tiny', path: modelPath, embeddings: true, contextLength: 256 }],
          sequences: 4,
          threads: 1,
        },
        offers: [
          { model: 'tiny', pricePerMInput: price.input.toString(), pricePerMOutput: price.output.toString() },
        ],
        payments: {
          creditLimit: parseEther('50').toString(),
          depositRefreshMs: 100,
          settleIntervalMs: 3_600_000,
        },
        database: { dir: join(dir, `provider-${i}`) },
        registration: {
          endpoint: 'http://127.0.0.1:1',
          region: `region-${i}`,
          hardware: { cpuCores: 2, ramMb: 1024 },
        },
      })
      const running = await startProvider({ config, account, logger: pino({ level: 'silent' }) })
      cleanups.push(() => running.close())
      await send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerProvider',
        args: [
          running.url,
          `region-${i}`,
          { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
          [{ modelId, pricePerMInput: price.input, pricePerMOutput: price.output }],
        ],
      })
      providers.push({ account, running, price })
    }

    let gateway: RunningGateway | undefined
    const launched: RunningGateway[] = []
    cleanups.push(async () => {
      for (const running of launched) await running.close()
    })
    const launch = async (port = 0) => {
      const config = gatewayConfigSchema.parse({
        chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
        server: { port },
        allowPrivatePeers: true,
        database: options.databaseUrl ? { url: options.databaseUrl } : { dir: join(dir, 'gateway-db') },
        // Generous limits: tests share two cores with other test files; a dead provider still fails over
        // at once (its connection is refused).
        routing: {
          firstByteTimeoutMs: 60_000,
          deadlineMs: 120_000,
          suspendMs: options.suspendMs ?? 5_000,
          contextTokens: 256,
        },
        discovery: { refreshMs: 2_000, probeMs: 500 },
        sampling: { probability: options.sampling ?? 0.05 },
      })
      const running = await startGateway({ config, account: payer, logger: pino({ level: 'silent' }) })
      launched.push(running)
      return running
    }
    gateway = await launch()
    const { key } = await gateway.store.createApiKey('test')
    return {
      anvil,
      deployment,
      dir,
      modelId,
      payer,
      royaltyReceiver,
      providers,
      get gateway() {
        return gateway as RunningGateway
      },
      apiKey: key,
      read: publicClient,
      startGateway: async (port?: number) => {
        gateway = await launch(port)
        return gateway
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
