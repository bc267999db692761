import { resolve } from 'node:path'
import { readDeployment } from '@infermesh/protocol'
import { detectHardware } from '@infermesh/provider/hardware'
import { formatEther } from 'viem'
import { usageError } from '../CliError.js'
import { defaultScryptN } from '../keystore/encryptKeystore.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { fundFromDevnet } from '../provider/fundFromDevnet.js'
import { initProvider } from '../provider/initProvider.js'
import { type DevnetFile, readDevnet } from '../provider/readDevnet.js'
import { readPassword } from '../readPassword.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh provider init [options] --model FILE.gguf [--model …] (--devnet FILE | --deployment FILE)

Creates a provider: a new key, the hardware of this machine, and a config file (provider.json, with a
README.md beside it explaining each section). Then: "infermesh provider register" and "… start".

Options:
  --dir DIR             the provider's directory (default .infermesh/provider)
  --model FILE          a GGUF model to serve with the built-in llama.cpp; repeat for more
  --devnet FILE         take the chain from a devnet ("infermesh up" writes .infermesh/devnet.json) and
                        fund the new key there with ETH and MESH
  --deployment FILE     take the chain from a deployment file ("npm run deploy" writes it)
  --rpc-url URL         the chain's JSON-RPC URL (default: the devnet's or deployment's)
  --dev                 keep the key in clear in provider.json instead of an encrypted keystore
                        (development only: never on a real chain)
  --host HOST           interface to listen on (default 127.0.0.1; 0.0.0.0 for other machines)
  --port PORT           port to listen on (default 8080)
  --endpoint URL        public URL gateways call (default http://HOST:PORT)
  --region NAME         where this machine is, e.g. eu-west (default local)
  --price-input MESH    price per 1M input tokens (default 1)
  --price-output MESH   price per 1M output tokens (default 2)
  --password-file FILE  read the keystore password from FILE
  -h, --help            this help

Environment:
  INFERMESH_KEYSTORE_PASSWORD       the new keystore's password (else --password-file, or a prompt)
  INFERMESH_KEYSTORE_PASSWORD_FILE  a file holding it
  INFERMESH_KEYSTORE_SCRYPT_N       scrypt cost of the keystore, a power of 2 (default 262144);
                                    lower values only make tests fast, and the password cheap to guess`

function scryptNFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.INFERMESH_KEYSTORE_SCRYPT_N
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0)
    throw usageError(`INFERMESH_KEYSTORE_SCRYPT_N must be a power of 2 from 2 to 1048576, got "${value}"`)
  return n
}

/** `infermesh provider init`: key, hardware and config for a new provider. */
export const providerInitCommand: Command = {
  name: 'provider init',
  summary: 'Create a provider: key (encrypted keystore), detected hardware, provider.json.',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider init', argv, {
      dir: { type: 'string', default: '.infermesh/provider' },
      model: { type: 'string', multiple: true, default: [] },
      devnet: { type: 'string' },
      deployment: { type: 'string' },
      'rpc-url': { type: 'string' },
      dev: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      endpoint: { type: 'string' },
      region: { type: 'string', default: 'local' },
      'price-input': { type: 'string', default: '1' },
      'price-output': { type: 'string', default: '2' },
      'password-file': { type: 'string' },
    })
    const env = process.env
    const port = Number(values.port)
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
      throw usageError('--port must be a port number from 1 to 65535')
    const prices = {
      input: parseMesh(values['price-input'], '--price-input'),
      output: parseMesh(values['price-output'], '--price-output'),
    }
    if (values.devnet !== undefined && values.deployment !== undefined)
      throw usageError('give --devnet or --deployment, not both')
    if (values.model.length === 0)
      throw usageError(
        'name at least one model to serve: --model path/to/model.gguf (for a test model: "infermesh model tiny --out tiny.gguf")',
      )
    const scryptN = scryptNFromEnv(env)

    let devnet: DevnetFile | undefined
    let chain: { rpcUrl: string; chainId: number; contracts: DevnetFile['contracts'] }
    if (values.devnet !== undefined) {
      devnet = await readDevnet(resolve(values.devnet))
      chain = { rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, contracts: devnet.contracts }
    } else if (values.deployment !== undefined) {
      const deployment = await readDeployment(resolve(values.deployment)).catch((cause: Error) => {
        throw usageError(cause.message, cause)
      })
      chain = { rpcUrl: deployment.rpcUrl, chainId: deployment.chainId, contracts: deployment.contracts }
    } else {
      throw usageError(
        'which chain? --devnet .infermesh/devnet.json for a local devnet ("infermesh up"), or --deployment FILE for a deployed network',
      )
    }
    if (values['rpc-url'] !== undefined) chain.rpcUrl = values['rpc-url']
    const host = values.host
    const endpoint =
      values.endpoint ?? `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`

    const hardware = await detectHardware({ onNote: (note) => console.log(`note: ${note}`) })
    const result = await initProvider({
      dir: resolve(values.dir),
      dev: values.dev,
      password: async () =>
        (
          await readPassword({
            env,
            prompt: 'Password for the new keystore: ',
            confirm: true,
            ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
          })
        ).password,
      ...(scryptN !== undefined && { scryptN }),
      models: values.model,
      chain,
      server: { host, port },
      endpoint,
      region: values.region,
      prices,
      hardware,
      // Funded before anything is written: when the devnet is down, init fails and leaves nothing behind.
      ...(devnet && {
        beforeWrite: (address) => fundFromDevnet({ devnet, address, log: () => {} }).then(() => {}),
      }),
    })

    const gpu =
      hardware.gpuCount > 0
        ? `${hardware.gpuCount} × ${hardware.gpuModel}, ${hardware.vramMb} MiB VRAM`
        : 'no GPU'
    const lines = [
      `Created provider ${result.address} in ${resolve(values.dir)}`,
      `  provider.json   the configuration; README.md beside it explains every section:`,
      `    chain         ${chain.rpcUrl} (chain ${chain.chainId}), Registry ${chain.contracts.registry}, Payments ${chain.contracts.payments}`,
      values.dev
        ? `    keystore      the key in clear in provider.json (--dev: development only, never on a real chain)`
        : `    keystore      keystore.json: the key, encrypted with your password${scryptN !== undefined && scryptN < defaultScryptN ? ` (scrypt n=${scryptN}: weak, for tests only)` : ''}. Back up both: losing either loses the stake`,
      `    server        listens on ${host}:${port}`,
      `    backend       llama.cpp (${hardware.gpuCount > 0 ? 'GPU offload on' : 'CPU'}) serving ${result.models.map((m) => m.name).join(', ')}`,
      ...result.models.map((m) => `                    ${m.name}: ${m.path}, model id ${m.modelId}`),
      `    offers        ${formatEther(prices.input)} MESH per 1M input tokens, ${formatEther(prices.output)} MESH per 1M output tokens, for each model`,
      `    payments      up to 1 MESH of unpaid work per payer; vouchers redeemed every 60 s`,
      `    database      embedded PGlite in data/ (keep it: it holds unredeemed vouchers)`,
      `    registration  endpoint ${endpoint}, region ${values.region}, ${hardware.cpuCores} CPU cores, ${hardware.ramMb} MiB RAM, ${gpu}`,
    ]
    lines.push(
      devnet
        ? `Funded ${result.address} on the devnet with 10 ETH and 10000 MESH.`
        : `Send ${result.address} ETH for gas and at least the Registry's minimum stake in MESH before registering.`,
    )
    const config = result.configFile
    lines.push(
      'Next:',
      `  infermesh provider register --config ${config}   stake and publish endpoint, hardware and offers`,
      `  infermesh provider start --config ${config}      serve until Ctrl-C`,
    )
    console.log(lines.join('\n'))
    return 0
  },
}
