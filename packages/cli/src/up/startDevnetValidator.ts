import { writeFile } from 'node:fs/promises'
import type { Deployment } from '@infermesh/protocol'
import { type Daemon, spawnDaemon } from '../network/spawnDaemon.js'
import { answersOk, waitUntil } from '../network/waitUntil.js'
import type { ValidatorFileConfigInput } from '../validator/validatorFileSchema.js'
import type { DevnetValidator } from './Devnet.js'
import { devnetSampleFee } from './devnetSampleFee.js'
import { exitOf } from './exitOf.js'
import type { DevnetPlan, PlannedValidator } from './planDevnet.js'
import type { DevnetModel } from './prepareModel.js'

/**
 * One validator of the devnet: writes its config (owner-only: it holds a dev key) and starts its
 * process (`infermesh validator start`), which stakes and registers itself, then probes providers and
 * re-executes samples. Resolves once it answers /ready.
 */
export async function startDevnetValidator(params: {
  plan: DevnetPlan
  validator: PlannedValidator
  deployment: Deployment
  model: DevnetModel
  env: NodeJS.ProcessEnv
  onSpawn: (daemon: Daemon) => void
  log: (what: string, line: string) => void
  abandon: Promise<never>
}): Promise<DevnetValidator> {
  const { plan, validator, deployment, model } = params
  const input: ValidatorFileConfigInput = {
    chain: { rpcUrl: plan.chain.rpcUrl, contracts: deployment.contracts },
    server: { host: '127.0.0.1', port: validator.port },
    allowPrivatePeers: true, // every daemon of the devnet listens on 127.0.0.1
    database: { dir: validator.dataDir },
    key: { privateKey: validator.account.privateKey },
    models: [{ modelId: model.modelId, path: model.path }],
    verifier: { threads: 1 },
    probe: { intervalMs: validator.probeIntervalMs, maxTokens: plan.probeTokens },
    epochs: { pollMs: 1_000, claimForOthers: validator.claimForOthers },
    // Paid samples: the gateway's fee is each validator's minimum.
    samples: { minSampleFee: devnetSampleFee.toString() },
    // Every delivered on-chain job is re-executed on the devnet.
    jobs: { share: 1 },
  }
  await writeFile(validator.configFile, `${JSON.stringify(input, null, 2)}\n`, { mode: 0o600 })
  const daemon = await spawnDaemon({
    name: validator.name,
    args: ['validator', 'start', '--config', validator.configFile],
    logFile: validator.logFile,
    env: params.env,
  })
  params.onSpawn(daemon)
  params.log(validator.name, `${validator.account.address} starting at ${validator.url} (pid ${daemon.pid})`)
  await waitUntil(() => answersOk(`${validator.url}/ready`), {
    timeoutMs: 180_000,
    message: `${validator.name} did not answer ${validator.url}/ready within 3 minutes; see ${daemon.logFile}`,
    abandon: Promise.race([exitOf(daemon), params.abandon]),
  })
  params.log(validator.name, 'staked, registered and ready')
  return {
    address: validator.account.address,
    url: validator.url,
    pid: daemon.pid,
    config: validator.configFile,
    log: daemon.logFile,
  }
}
