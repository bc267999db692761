import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Deployment, type ProviderConfigInput, providerConfigSchema } from '@infermesh/protocol'
import type { Hardware } from '@infermesh/provider/hardware'
import { formatEther, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Daemon, spawnDaemon } from '../network/spawnDaemon.js'
import { connectProviderChain } from '../provider/connectProviderChain.js'
import { registerProvider } from '../provider/registerProvider.js'
import type { DevnetPlan, PlannedProvider } from './planDevnet.js'
import type { DevnetModel } from './prepareModel.js'

export type StartedProvider = { daemon: Daemon; provider: PlannedProvider }

/**
 * One provider of the devnet: writes its config (owner-only: it holds a dev key), starts its process
 * (`infermesh provider start`, with a cheating mode when the plan says so), then, once the accounts
 * are funded, stakes and registers it in the Registry.
 */
export async function startDevnetProvider(params: {
  plan: DevnetPlan
  provider: PlannedProvider
  deployment: Deployment
  model: DevnetModel
  hardware: Hardware
  env: NodeJS.ProcessEnv
  /** The second model a provider cheating with `other-model` serves, written on first use. */
  impostorModel: () => Promise<string>
  /** Resolves once the provider's account holds MESH. */
  funded: Promise<void>
  onSpawn: (daemon: Daemon) => void
  log: (what: string, line: string) => void
}): Promise<StartedProvider> {
  const { plan, provider, deployment, model } = params
  const input: ProviderConfigInput = {
    chain: { rpcUrl: plan.chain.rpcUrl, chainId: deployment.chainId, contracts: deployment.contracts },
    keystore: { privateKey: provider.account.privateKey },
    server: { host: '127.0.0.1', port: provider.port },
    backend: {
      kind: 'llama',
      models: [{ name: model.name, path: model.path, modelId: model.modelId, embeddings: true }],
      ...(plan.threads !== undefined && { threads: plan.threads }),
    },
    offers: [
      {
        model: model.name,
        pricePerMInput: provider.prices.input.toString(),
        pricePerMOutput: provider.prices.output.toString(),
      },
    ],
    payments: { creditLimit: parseEther('10').toString(), settleIntervalMs: 10_000 },
    database: { dir: provider.dataDir },
    registration: { endpoint: provider.url, region: provider.region, hardware: params.hardware },
    // The devnet's providers take on-chain jobs: they enroll (posting the job bond) once registered.
    jobs: { enroll: true, pollMs: 500 },
  }
  await writeFile(provider.configFile, `${JSON.stringify(input, null, 2)}\n`, { mode: 0o600 })
  const cheat: Record<string, string> =
    provider.cheat === undefined
      ? {}
      : provider.cheat === 'other-model'
        ? { INFERMESH_CHEAT_MODE: provider.cheat, INFERMESH_CHEAT_MODEL: await params.impostorModel() }
        : { INFERMESH_CHEAT_MODE: provider.cheat }
  const daemon = await spawnDaemon({
    name: provider.name,
    args: ['provider', 'start', '--config', provider.configFile],
    logFile: provider.logFile,
    env: { ...params.env, ...cheat },
  })
  params.onSpawn(daemon)
  params.log(
    provider.name,
    `${provider.account.address} starting at ${provider.url} (pid ${daemon.pid}), ${provider.region}, ${formatEther(provider.prices.input)}/${formatEther(provider.prices.output)} MESH per 1M input/output tokens`,
  )
  await params.funded
  const config = providerConfigSchema.parse({
    ...input,
    database: { dir: join(provider.dir, provider.dataDir) },
  })
  const signer = privateKeyToAccount(provider.account.privateKey)
  await registerProvider({ config, chain: await connectProviderChain(config, signer), log: () => {} })
  params.log(provider.name, 'staked and registered in the Registry')
  return { daemon, provider }
}
