import { usageError } from '../CliError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import {
  type CheatMode,
  defaultDevnetValidators,
  maxDevnetProviders,
  maxDevnetValidators,
} from '../up/planDevnet.js'
import { type RunningDevnet, UpAborted, up } from '../up.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh up [options]

The whole network on this machine: an anvil chain with the contracts, funded dev accounts and a
funded payer deposit; N providers (each with its own config directory, price and region, staked and
registered on-chain, each its own process: "infermesh provider start"), validators (each its own
process: "infermesh validator start": uptime probes, re-execution of sampled requests, disputes and
committee votes), and the gateway (its own process: "infermesh gateway start") with a dev API key. Without --model the providers serve a tiny
random-weights model (its text is noise) with chat, completions and embeddings.
Once everything answers /ready, writes <dir>/devnet.json (URLs, addresses, dev keys, the API key)
and prints how to call it. Runs until Ctrl-C or SIGTERM, then stops the gateway, the providers
(they redeem what they are owed) and the chain, and exits 0. When a process dies meanwhile, up
says which (and where its log is) and keeps the rest running: the gateway fails over.

Files: <dir>/devnet.json; <dir>/devnet/ (providers/provider-N/provider.json, gateway/gateway.json,
validators/validator-N/validator.json,
their databases, logs/), wiped at each start: the chain starts empty; <dir>/cache/ (an empty
database copied for each process).

Options:
  --providers N      providers to start, 0 to ${maxDevnetProviders} (default 3)
  --model FILE.gguf  the model the providers serve (default: the tiny test model, generated)
  --threads N        llama.cpp threads per provider (default 1 for the tiny model, else automatic)
  --validators N     validators to start, 0 to ${maxDevnetValidators} (default ${defaultDevnetValidators}: a
                     dispute's committee of 3 leaves out the challenger)
  --epoch SECONDS    epoch length: uptime reports and emissions (default 30)
  --sampling P       chance the gateway sends a request to a validator, 0 to 1 (default 0.1)
  --probe-tokens N   tokens of the validators' paid probes, 0 for health-only probes (default 4)
  --cheat N:MODE,…   adversarial testing only: provider N cheats (MODE other-model, truncate or
                     random-tokens); validators should catch and slash it
  --port PORT        the gateway's port, 0 for any free port (default 8000; env INFERMESH_GATEWAY_PORT)
  --explorer-port PORT  the explorer's port, 0 for any free port (default 8080 when free, else any,
                     and any with --port 0; env INFERMESH_EXPLORER_PORT)
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
    ...devnet.validators.map((v, i) => `  validator ${i + 1} ${v.url}  ${v.address}`),
    `  epochs     ${devnet.epochSeconds} s  uptime ${devnet.contracts.uptime}  disputes ${devnet.contracts.disputes}`,
    `  gateway    ${gateway?.url}  (OpenAI-compatible: ${gateway?.url}/v1)`,
    `  explorer   ${devnet.explorer?.url}  (the network in a browser)`,
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
      'explorer-port': { type: 'string' },
      providers: { type: 'string', default: '3' },
      model: { type: 'string' },
      threads: { type: 'string' },
      deposit: { type: 'string', default: '10000' },
      validators: { type: 'string', default: String(defaultDevnetValidators) },
      epoch: { type: 'string', default: '30' },
      sampling: { type: 'string', default: '0.1' },
      cheat: { type: 'string' },
      'probe-tokens': { type: 'string', default: '4' },
    })
    const probeTokens = Number(values['probe-tokens'])
    if (!/^\d+$/.test(values['probe-tokens']) || probeTokens > 64)
      throw usageError('--probe-tokens must be a whole number from 0 to 64')
    const cheats: Record<number, CheatMode> = {}
    for (const item of values.cheat?.split(',').filter((x) => x.trim() !== '') ?? []) {
      const match = /^\s*(\d+):(other-model|truncate|random-tokens)\s*$/.exec(item)
      const n = Number(match?.[1])
      if (!match || n < 1 || n > Number(values.providers))
        throw usageError(
          `--cheat takes N:MODE items (N a provider from 1 to ${values.providers}, MODE other-model, truncate or random-tokens), got "${item}"`,
        )
      cheats[n - 1] = match[2] as CheatMode
    }
    const validators = Number(values.validators)
    if (!/^\d+$/.test(values.validators) || validators > maxDevnetValidators)
      throw usageError(`--validators must be a whole number from 0 to ${maxDevnetValidators}`)
    const epochSeconds = Number(values.epoch)
    if (!/^\d+$/.test(values.epoch) || epochSeconds < 5 || epochSeconds > 86_400)
      throw usageError('--epoch must be a whole number of seconds from 5 to 86400')
    const samplingProbability = Number(values.sampling)
    if (values.sampling.trim() === '' || !(samplingProbability >= 0 && samplingProbability <= 1))
      throw usageError(`--sampling must be a probability from 0 to 1, got "${values.sampling}"`)
    const chainPort = port(values['chain-port'], '--chain-port')
    const gatewayPort = port(values.port, '--port')
    const explorerPortText = values['explorer-port'] ?? (process.env.INFERMESH_EXPLORER_PORT || undefined)
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
        ...(explorerPortText !== undefined && { explorerPort: port(explorerPortText, '--explorer-port') }),
        deposit,
        providers,
        validators,
        epochSeconds,
        samplingProbability,
        probeTokens,
        ...(Object.keys(cheats).length > 0 && { cheats }),
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
