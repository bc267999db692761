import { connect, type ProviderConfig, registryAbi } from '@infermesh/protocol'
import pino from 'pino'
import { CliError, usageError } from '../CliError.js'
import { formatError } from '../formatError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { maskProviderConfig } from '../provider/maskProviderConfig.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import { loadStartProvider, type RunningProvider } from '../providerPackage.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider start [options]

Runs the provider daemon: the OpenAI-compatible API (/v1/chat/completions, /v1/completions,
/v1/embeddings, /v1/models) with /health, /ready and /metrics, paid by vouchers it redeems on-chain.
Prints the resolved configuration (secrets masked) first. Runs until Ctrl-C or SIGTERM, then stops
taking requests, finishes those in flight, redeems what it is owed and exits 0.

Configuration precedence: flag > environment > config file > default.

Options:
${providerOptionsHelp}
  --host HOST           override server.host (env INFERMESH_PROVIDER_HOST)
  --port PORT           override server.port, 0 for any free port (env INFERMESH_PROVIDER_PORT)
  --endpoint URL        override registration.endpoint (env INFERMESH_PROVIDER_ENDPOINT)
  --database-url URL    override database.url, a postgres:// URL (env INFERMESH_DATABASE_URL or
                        DATABASE_URL)
  --log-level LEVEL     fatal, error, warn, info, debug or trace (default info; env INFERMESH_LOG_LEVEL)
  -h, --help            this help

Environment only:
  INFERMESH_UPSTREAM_API_KEY  override backend.apiKey of an openai-compatible backend`

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** `infermesh provider start`: the provider daemon, until a signal. */
export const providerStartCommand: Command = {
  name: 'provider start',
  summary: 'Run the provider daemon until Ctrl-C (OpenAI-compatible API, vouchers, settlement).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider start', argv, {
      ...providerOptions,
      host: { type: 'string' },
      port: { type: 'string' },
      endpoint: { type: 'string' },
      'database-url': { type: 'string' },
      'log-level': { type: 'string' },
    })
    const level = values['log-level'] ?? (process.env.INFERMESH_LOG_LEVEL || 'info')
    if (!levels.includes(level))
      throw usageError(
        `${values['log-level'] !== undefined ? '--log-level' : 'INFERMESH_LOG_LEVEL'} must be one of ${levels.join(', ')}, got "${level}"`,
      )
    const { config, file, sources } = await resolveProviderConfig({ flags: values, env: process.env })
    const overridden = Object.entries(sources).map(([path, source]) => `${path} from ${source}`)
    console.log(
      `config ${file}${overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''}\n${JSON.stringify(maskProviderConfig(config), null, 2)}`,
    )
    const { account, origin } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    console.log(`account ${account.address} (${origin})`)

    // Signals are caught from here on: one during start-up stops the provider as soon as it is up.
    let stopping: string | undefined
    let stop: (signal: string) => void = () => {}
    const stopped = new Promise<string>((resolve) => {
      stop = resolve
    })
    const onSignal = (signal: string) => {
      if (stopping !== undefined) {
        console.error(`${signal} again: exiting without finishing requests or redeeming vouchers`)
        process.exit(1)
      }
      stopping = signal
      stop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)

    const logger = pino({ name: 'infermesh-provider', level })
    let provider: RunningProvider
    try {
      const startProvider = await loadStartProvider()
      provider = await startProvider({ config, account, logger })
    } catch (error) {
      throw new CliError(`the provider did not start: ${formatError(error)}`, { cause: error })
    }
    if (stopping === undefined) {
      await warnWhenNotRegistered(config, provider)
      console.log(
        `provider ${provider.address} serving ${provider.models.map((m) => m.name).join(', ')} at ${provider.url}\nPress Ctrl-C to stop.`,
      )
    }
    const signal = await stopped
    console.log(`\n${signal}: stopping: finishing requests in flight and redeeming vouchers…`)
    await provider.close()
    console.log('stopped.')
    return 0
  },
}

/** Prints a note when the Registry does not list this provider as active: gateways will not find it. */
async function warnWhenNotRegistered(config: ProviderConfig, provider: RunningProvider): Promise<void> {
  try {
    const { publicClient } = await connect({ rpcUrl: config.chain.rpcUrl })
    const active = await publicClient.readContract({
      address: config.chain.contracts.registry,
      abi: registryAbi,
      functionName: 'isActiveProvider',
      args: [provider.address],
    })
    if (!active)
      console.log(
        `note: ${provider.address} is not an active provider in the Registry, so gateways will not route to it: run "infermesh provider register"`,
      )
  } catch {
    // Only a hint: the daemon runs either way.
  }
}
