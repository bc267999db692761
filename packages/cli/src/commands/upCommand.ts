import { usageError } from '../CliError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { maxDevnetProviders, type RunningDevnet, UpAborted, up } from '../up.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh up [options]

The whole network on this machine: an anvil chain with the contracts, funded dev accounts and a
funded payer deposit; N providers (each with its own config directory, price and region, staked and
registered on-chain, each its own process: "infermesh provider start"), and the gateway (its own
process: "infermesh gateway start") with a dev API key. Without --model the providers serve a tiny
random-weights model (its text is noise) with chat, completions and embeddings.
Once everything answers /ready, writes <dir>/devnet.json (URLs, addresses, dev keys, the API key)
and prints how to call it. Runs until Ctrl-C or SIGTERM, then stops the gateway, the providers
(they redeem what they are owed) and the chain, and exits 0. When a process dies meanwhile, up
says which (and where its log is) and keeps the rest running: the gateway fails over.

Files: <dir>/devnet.json; <dir>/devnet/ (providers/provider-N/provider.json, gateway/gateway.json,
their databases, logs/), wiped at each start: the chain starts empty; <dir>/cache/ (an empty
database copied for each process).

Options:
  --providers N      providers to start, 0 to ${maxDevnetProviders} (default 3)
  --model FILE.gguf  the model the providers serve (default: the tiny test model, generated)
  --threads N        llama.cpp threads per provider (default 1 for the tiny model, else automatic)
  --port PORT        the gateway's port, 0 for any free port (default 8000; env INFERMESH_GATEWAY_PORT)
  --chain-port PORT  the chain's RPC port, 0 for any free port (default 8545; env INFERMESH_CHAIN_PORT)
  --dir DIR          where devnet.json and the network's files go (default .infermesh; env INFERMESH_DIR)
  --deposit MESH     the dev payer's deposit (default 10000)
  -h, --help         this help`

function port(value: string, flag: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535)
    throw usageError(`${flag} must be a port number (0 for any free port)`)
  return n
}

/** The lines printed once the network is up: where everything is and how to call it. */
function readyText(running: RunningDevnet): string {
  const { devnet } = running
  const gateway = devnet.gateway
  const model = devnet.providers[0]?.models[0] ?? 'MODEL'
  const lines = [
    '',
    `InferMesh devnet is up after ${running.readySeconds.toFixed(1)} s (${running.file}).`,
    `  chain      ${devnet.rpcUrl}  chain id ${devnet.chainId}`,
    `  contracts  token ${devnet.contracts.token}  registry ${devnet.contracts.registry}`,
    `             payments ${devnet.contracts.payments}  models ${devnet.contracts.models}`,
    ...devnet.providers.map(
      (p, i) => `  provider ${i + 1} ${p.url}  ${p.address}  ${p.region}  serving ${p.models.join(', ')}`,
    ),
    `  gateway    ${gateway?.url}  (OpenAI-compatible: ${gateway?.url}/v1)`,
    `  API key    ${gateway?.apiKey}`,
    `  payer      ${devnet.payer.address} (dev key in devnet.json)`,
    '',
    'Try it:',
    `  curl ${gateway?.url}/v1/chat/completions -H 'Authorization: Bearer ${gateway?.apiKey}' -H 'Content-Type: application/json' -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'`,
    '  infermesh chat "Hello"      infermesh models      infermesh status',
    `  infermesh keys create --config ${gateway?.config}`,
    `Logs: ${running.daemons[0]?.logFile.replace(/[^/]+$/, '') ?? ''}`,
    'Press Ctrl-C to stop.',
  ]
  return lines.join('\n')
}

/** `infermesh up`: the whole network on one machine, until a signal. */
export const upCommand: Command = {
  name: 'up',
  summary: 'Start the whole network on this machine: chain, contracts, providers, gateway.',
  usage,
  async run(argv) {
    const values = parseCommandArgs('up', argv, {
      dir: { type: 'string', default: process.env.INFERMESH_DIR || '.infermesh' },
      'chain-port': { type: 'string', default: process.env.INFERMESH_CHAIN_PORT || '8545' },
      port: { type: 'string', default: process.env.INFERMESH_GATEWAY_PORT || '8000' },
      providers: { type: 'string', default: '3' },
      model: { type: 'string' },
      threads: { type: 'string' },
      deposit: { type: 'string', default: '10000' },
    })
    const chainPort = port(values['chain-port'], '--chain-port')
    const gatewayPort = port(values.port, '--port')
    const providers = Number(values.providers)
    if (!/^\d+$/.test(values.providers) || providers > maxDevnetProviders)
      throw usageError(`--providers must be a whole number from 0 to ${maxDevnetProviders}`)
    let threads: number | undefined
    if (values.threads !== undefined) {
      threads = Number(values.threads)
      if (!/^\d+$/.test(values.threads) || threads < 1 || threads > 256)
        throw usageError('--threads must be a whole number from 1 to 256')
    }
    const deposit = parseMesh(values.deposit, '--deposit')
    if (values.model !== undefined && !/\.gguf$/i.test(values.model))
      throw usageError(`--model must be a GGUF file (llama.cpp's format), got "${values.model}"`)

    const controller = new AbortController()
    let signal: string | undefined
    let onStop: (name: string) => void = () => {}
    const stopped = new Promise<string>((resolve) => {
      onStop = resolve
    })
    let firstAt = 0
    const handle = (name: string) => {
      // A supervisor may deliver one stop twice at once (to the process and to its group): a second
      // signal counts only when it comes later, from someone in a hurry.
      if (signal !== undefined && Date.now() - firstAt < 1000) return
      if (signal !== undefined) {
        console.error(`${name} again: exiting at once; child processes stop on their own`)
        process.exit(1)
      }
      signal = name
      firstAt = Date.now()
      controller.abort()
      onStop(name)
    }
    process.on('SIGINT', handle)
    process.on('SIGTERM', handle)

    let running: RunningDevnet
    try {
      running = await up({
        dir: values.dir,
        chainPort,
        gatewayPort,
        deposit,
        providers,
        ...(values.model !== undefined && { model: values.model }),
        ...(threads !== undefined && { threads }),
        log: (line) => console.log(line),
        signal: controller.signal,
      })
    } catch (error) {
      if (error instanceof UpAborted) {
        console.log(`${signal}: stopped during start-up.`)
        return 0
      }
      throw error
    }
    console.log(readyText(running))

    void (async () => {
      for (;;) {
        const daemon = await running.nextUnexpectedExit()
        const result = await daemon.exited
        const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`
        const left = running.daemons.filter((d) => !d.hasExited()).map((d) => d.name)
        console.error(
          `\n${daemon.name} (pid ${daemon.pid}) ${how}; its log: ${daemon.logFile}\nStill running: ${left.join(', ') || 'nothing but the chain'}.${daemon.name === 'gateway' ? ` Restart the gateway with: infermesh gateway start --config ${running.devnet.gateway?.config}` : ' The gateway routes around it.'}`,
        )
      }
    })()

    const name = await stopped
    console.log(`\n${name}: stopping the devnet…`)
    await running.stop()
    console.log('stopped.')
    return 0
  },
}
