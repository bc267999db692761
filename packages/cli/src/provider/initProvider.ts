import { constants } from 'node:fs'
import { access, mkdir, open, writeFile } from 'node:fs/promises'
import { basename, join, relative, resolve } from 'node:path'
import { modelIdOfFile } from '@infermesh/llama/modelIdOfFile'
import { type ProviderConfigInput, providerConfigSchema } from '@infermesh/protocol'
import type { Hardware } from '@infermesh/provider/hardware'
import type { Address, Hex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { usageError } from '../CliError.js'
import { encryptKeystore } from '../keystore/encryptKeystore.js'

export type InitProviderParams = {
  /** The provider's directory (absolute): provider.json, keystore.json, README.md and data/ go there. */
  dir: string
  /** Write the key in clear into the config instead of an encrypted keystore. Development only. */
  dev: boolean
  /** Asks for the keystore's password (needed unless `dev`); called once the inputs are checked. */
  password?: () => Promise<string>
  /** scrypt cost of the keystore. Default 2^18. */
  scryptN?: number
  /** The provider's key. Default: a new random key. */
  privateKey?: Hex
  /** GGUF files to serve with the built-in llama.cpp backend (at least one). */
  models: string[]
  chain: {
    rpcUrl: string
    chainId?: number
    contracts: { token: Address; registry: Address; payments: Address; models: Address }
  }
  server: { host: string; port: number }
  /** Public URL gateways call. */
  endpoint: string
  region: string
  /** MESH wei per 1M input and output tokens, the same for every model. */
  prices: { input: bigint; output: bigint }
  hardware: Hardware
  /** Runs once everything is checked, before anything is written (e.g. to fund the new address). */
  beforeWrite?: (address: Address) => Promise<void>
}

export type InitProviderResult = {
  address: Address
  configFile: string
  keystoreFile?: string
  readmeFile: string
  models: { name: string; path: string; modelId: Hex }[]
  /** The config as written. */
  config: ProviderConfigInput
}

const configName = 'provider.json'
const keystoreName = 'keystore.json'
const readmeName = 'README.md'

/**
 * Creates a provider directory: a new key (an encrypted Web3 Secret Storage keystore, or for
 * development the key in clear in the config), a `provider.json` that `providerConfigSchema` accepts
 * (chain, server, llama.cpp backend with the given GGUF models, one offer per model, database in
 * `data/`, registration with the detected hardware), and a README.md explaining each section. Paths in
 * the config are relative to its directory. Refuses to overwrite an existing config or keystore: a
 * key may hold stake.
 *
 * @throws CliError (exit 2) when the directory already holds a provider or a model file is not a GGUF.
 */
export async function initProvider(params: InitProviderParams): Promise<InitProviderResult> {
  const dir = resolve(params.dir)
  const configFile = join(dir, configName)
  const keystoreFile = join(dir, keystoreName)
  for (const file of [configFile, keystoreFile])
    if (await exists(file))
      throw usageError(
        `${file} already exists: this directory already holds a provider (its key may hold stake). Choose another --dir, or move it away first`,
      )
  if (params.models.length === 0)
    throw usageError(
      'name at least one model to serve: --model path/to/model.gguf (for a test model: "infermesh model tiny --out tiny.gguf")',
    )
  if (!params.dev && !params.password) throw usageError('the keystore needs a password')

  const paths = params.models.map((given) => resolve(given))
  for (const [i, path] of paths.entries()) await checkGguf(path, params.models[i] ?? path)
  const password = params.dev ? undefined : await params.password?.()
  if (!params.dev && !password) throw usageError('an empty password does not protect the key: choose one')

  const models: InitProviderResult['models'] = []
  for (const path of paths) {
    const stem = basename(path).replace(/\.gguf$/i, '') || 'model'
    let name = stem
    for (let n = 2; models.some((m) => m.name === name); n++) name = `${stem}-${n}`
    models.push({ name, path, modelId: await modelIdOfFile(path) })
  }

  const privateKey = params.privateKey ?? generatePrivateKey()
  const address = privateKeyToAddress(privateKey)
  const config: ProviderConfigInput = {
    chain: {
      rpcUrl: params.chain.rpcUrl,
      ...(params.chain.chainId !== undefined && { chainId: params.chain.chainId }),
      contracts: params.chain.contracts,
    },
    keystore: params.dev ? { privateKey } : { path: keystoreName },
    server: { host: params.server.host, port: params.server.port },
    backend: {
      kind: 'llama',
      models: models.map((m) => ({ name: m.name, path: m.path })),
      gpu: params.hardware.gpuCount > 0,
    },
    offers: models.map((m) => ({
      model: m.name,
      pricePerMInput: params.prices.input.toString(),
      pricePerMOutput: params.prices.output.toString(),
    })),
    payments: { creditLimit: (10n ** 18n).toString(), settleIntervalMs: 60_000 },
    database: { dir: 'data' },
    registration: { endpoint: params.endpoint, region: params.region, hardware: params.hardware },
  }
  const checked = providerConfigSchema.safeParse(config)
  if (!checked.success)
    throw usageError(
      `the config would be invalid: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )

  await params.beforeWrite?.(address)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  let writtenKeystore: string | undefined
  if (!params.dev) {
    const keystore = await encryptKeystore(privateKey, password as string, {
      ...(params.scryptN !== undefined && { scryptN: params.scryptN }),
    })
    await writeExclusive(keystoreFile, `${JSON.stringify(keystore, null, 2)}\n`)
    writtenKeystore = keystoreFile
  }
  await writeExclusive(configFile, `${JSON.stringify(config, null, 2)}\n`)
  const readmeFile = join(dir, readmeName)
  await writeFile(readmeFile, readme({ dev: params.dev, address, dir }), { mode: 0o644 })
  return {
    address,
    configFile,
    ...(writtenKeystore && { keystoreFile: writtenKeystore }),
    readmeFile,
    models,
    config,
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK)
    return true
  } catch {
    return false
  }
}

/** Writes a new file readable by its owner only; fails rather than overwrite. */
async function writeExclusive(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(text)
  } finally {
    await handle.close()
  }
}

async function checkGguf(path: string, given: string): Promise<void> {
  let magic: string
  try {
    const handle = await open(path, 'r')
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0)
      magic = buffer.subarray(0, bytesRead).toString('latin1')
    } finally {
      await handle.close()
    }
  } catch (cause) {
    throw usageError(`cannot read the model ${given}: ${(cause as Error).message}`, cause)
  }
  if (magic !== 'GGUF')
    throw usageError(
      `${given} is not a GGUF file (llama.cpp's format); convert it, or serve it from an upstream server`,
    )
}

function readme(options: { dev: boolean; address: Address; dir: string }): string {
  const here = relative(process.cwd(), options.dir) || '.'
  return `# InferMesh provider

This directory is one InferMesh provider, account \`${options.address}\`. \`${configName}\` is its
configuration (JSON has no comments, so they are here). Relative paths in it are relative to this
directory. Flags and environment variables override the file (flag > environment > file > default);
\`infermesh provider start\` prints the resolved configuration, secrets masked.

## Sections of ${configName}

- \`chain\`: the chain's JSON-RPC URL (\`rpcUrl\`, override: \`--rpc-url\`, \`INFERMESH_RPC_URL\`), its
  \`chainId\` (the provider refuses another chain), and the addresses of the contracts: \`token\` (MESH),
  \`registry\` (stake, endpoint, hardware, offers), \`payments\` (deposits, vouchers, redemption; its EIP-712
  domain signs vouchers and receipts) and \`models\` (model ids, owners, royalties).
- \`keystore\`: where the provider's key (its on-chain identity) comes from.${
    options.dev
      ? ` This is a development provider: the key is in clear in \`privateKey\`. Never use it on a real chain.`
      : ` \`path\` is an encrypted keystore (Web3 Secret Storage v3, scrypt + AES-128-CTR; geth, ethers and
  MetaMask read it). Back it up with its password: losing either loses the stake. The password comes
  from \`--password-file\`, \`INFERMESH_KEYSTORE_PASSWORD_FILE\`, \`INFERMESH_KEYSTORE_PASSWORD\`, or a
  prompt on the terminal.`
  }
- \`server\`: where the OpenAI-compatible API listens (\`host\`, \`port\`; overrides \`--host\`, \`--port\`,
  \`INFERMESH_PROVIDER_HOST\`, \`INFERMESH_PROVIDER_PORT\`), the largest request body, the request queue
  and the request timeout.
- \`backend\`: where inference runs. \`llama\`: the built-in llama.cpp with GGUF files (\`models\`: the
  name clients put in \`model\`, the file, optionally \`contextLength\`, \`embeddings\`), \`threads\`,
  \`sequences\` (parallel requests per model) and \`gpu\`. Or \`openai-compatible\`: an upstream server
  (vLLM, llama.cpp server, Ollama) at \`baseUrl\`, each model with its on-chain \`modelId\`; its \`apiKey\`
  is best set in \`INFERMESH_UPSTREAM_API_KEY\`.
- \`offers\`: the price of each model in MESH wei per 1,000,000 input and output tokens (decimal strings:
  "1000000000000000000" is 1 MESH). Published on-chain by \`infermesh provider register\`; the model id is
  the sha256 of the GGUF file.
- \`payments\`: \`creditLimit\`, the most unpaid work per payer you accept (your whole risk), how often the
  payer's deposit is re-read, and how often and in what batches vouchers are redeemed on-chain.
- \`database\`: where receipts, vouchers and settlement state live: embedded PGlite in \`dir\` (\`data/\`),
  or PostgreSQL at \`url\` (\`--database-url\`, \`INFERMESH_DATABASE_URL\`, \`DATABASE_URL\`). Keep it: it
  holds the vouchers you have not redeemed yet.
- \`registration\`: what the Registry publishes: the public \`endpoint\` gateways call (\`--endpoint\`,
  \`INFERMESH_PROVIDER_ENDPOINT\`), the \`region\`, and the \`hardware\` detected by \`provider init\`.

## Commands

    infermesh provider register --config ${here}/${configName}     # stake and publish (again: update offers)
    infermesh provider start --config ${here}/${configName}        # serve until Ctrl-C
    infermesh provider unregister --config ${here}/${configName}   # leave; the stake starts unbonding
    infermesh provider withdraw --config ${here}/${configName}     # take the stake back once unbonded
`
}
