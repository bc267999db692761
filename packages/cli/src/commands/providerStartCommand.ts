import { runDaemon } from '@infermesh/node/daemon'
import { connect, type ProviderConfig, registryAbi } from '@infermesh/protocol'
import type { RunningProvider } from '@infermesh/provider'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
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
    return runDaemon({
      name: 'provider',
      logLevel: values['log-level'],
      env: process.env,
      resolveConfig: () => resolveProviderConfig({ flags: values, env: process.env }),
      loadAccount: (config) =>
        loadProviderAccount({
          keystore: config.keystore,
          env: process.env,
          ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
        }),
      start: async ({ config, account, logger, shutdown }) => {
        // llama.cpp, Fastify and PGlite: seconds of start-up that only this command needs.
        const { startProvider } = await import('@infermesh/provider')
        const provider = await startProvider({ config, account, logger })
        shutdown.add('provider', () => provider.close())
        return provider
      },
      announce: async (provider, { config }) =>
        `${await notRegisteredNote(config, provider)}provider ${provider.address} serving ${provider.models.map((m) => m.name).join(', ')} at ${provider.url}`,
      stoppingText: 'finishing requests in flight and redeeming vouchers…',
    })
  },
}

/** A note (ending in a newline) when the Registry does not list this provider as active: gateways will not find it. */
async function notRegisteredNote(config: ProviderConfig, provider: RunningProvider): Promise<string> {
  try {
    const { publicClient } = await connect({ rpcUrl: config.chain.rpcUrl })
    const active = await publicClient.readContract({
      address: config.chain.contracts.registry,
      abi: registryAbi,
      functionName: 'isActiveProvider',
      args: [provider.address],
    })
    if (!active)
      return `note: ${provider.address} is not an active provider in the Registry, so gateways will not route to it: run "infermesh provider register"\n`
  } catch {
    // Only a hint: the daemon runs either way.
  }
  return ''
}
