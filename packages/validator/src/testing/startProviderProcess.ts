import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Deployment, freePort, type ProviderConfigInput } from '@infermesh/protocol'
import type { Hex } from 'viem'

/** A provider daemon running in its own process, as an operator runs it (`infermesh provider start`). */
export type ProviderProcess = {
  url: string
  /** Everything it printed so far (stdout and stderr). */
  output: () => string
  /** SIGTERM, then SIGKILL when it has not exited within 30 s. */
  stop: () => Promise<void>
}

/**
 * The `infermesh` launcher of the installed CLI package (its package.json's `bin`), found the way
 * Node finds packages: in `node_modules` of this directory or of one above.
 */
function cliBin(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const root = join(dir, 'node_modules', '@infermesh', 'cli')
    if (!existsSync(join(root, 'package.json'))) continue
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>
    }
    if (manifest.bin?.infermesh) return join(root, manifest.bin.infermesh)
  }
  throw new Error('the infermesh CLI is not installed: run npm install at the repository root')
}

/**
 * Starts a real provider for the validator's tests without importing the provider package (no role
 * package imports another): `infermesh provider start` in a child process, serving the GGUF at
 * `modelPath` as `tiny` at the given prices, with its key in clear (dev keys only) and its
 * database in `dir`. Resolves once its /ready answers 200; rejects with its output when it exits
 * first or is not ready within 3 minutes. Registering it on-chain is the caller's job.
 *
 * @example
 * const provider = await startProviderProcess({ dir, deployment, rpcUrl, account, modelPath, price })
 */
export async function startProviderProcess(params: {
  dir: string
  rpcUrl: string
  deployment: Deployment
  /** The provider's key, in clear in its config file: dev keys only. */
  privateKey: Hex
  modelPath: string
  price: { input: bigint; output: bigint }
}): Promise<ProviderProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config: ProviderConfigInput = {
    chain: { rpcUrl: params.rpcUrl, contracts: params.deployment.contracts },
    keystore: { privateKey: params.privateKey },
    server: { host: '127.0.0.1', port },
    backend: {
      kind: 'llama',
      models: [{ name: 'tiny', path: params.modelPath, contextLength: 256 }],
      sequences: 2,
      threads: 1,
    },
    offers: [
      {
        model: 'tiny',
        pricePerMInput: params.price.input.toString(),
        pricePerMOutput: params.price.output.toString(),
      },
    ],
    payments: {
      creditLimit: (50n * 10n ** 18n).toString(),
      depositRefreshMs: 100,
      settleIntervalMs: 3_600_000,
    },
    database: { dir: join(params.dir, 'provider-db') },
    registration: { endpoint: url, region: 'test', hardware: { cpuCores: 2, ramMb: 1024 } },
  }
  const configFile = join(params.dir, 'provider.json')
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 })

  // A developer's INFERMESH_* settings must not change what the test runs.
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('INFERMESH_') && key !== 'DATABASE_URL') env[key] = value
  env.INFERMESH_LOG_LEVEL = 'warn'
  const child: ChildProcess = spawn(
    process.execPath,
    [cliBin(), 'provider', 'start', '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  )
  let output = ''
  child.stdout?.on('data', (data) => {
    output += data
  })
  child.stderr?.on('data', (data) => {
    output += data
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  let gone = false
  void exited.then(() => {
    gone = true
  })
  const stop = async () => {
    if (gone) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + 180_000
  for (;;) {
    if (gone) throw new Error(`the provider exited before it was ready; its output:\n${output}`)
    const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false)
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the provider was not ready within 3 minutes; its output:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { url, output: () => output, stop }
}
