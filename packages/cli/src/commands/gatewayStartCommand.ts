import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { runDaemon } from '@infermesh/node/daemon'
import { formatEther } from 'viem'
import { acquireDatabaseLock, type HeldLock } from '../gateway/databaseLock.js'
import { resolveGatewayConfig } from '../gateway/resolveGatewayConfig.js'
import { startKeysAdmin } from '../gateway/startKeysAdmin.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh gateway start [options]

Runs the gateway: the customer's OpenAI-compatible API (/v1/chat/completions, /v1/completions,
/v1/embeddings, /v1/models, /v1/usage) with API keys, over every provider in the Registry: routing,
failover, metering, and vouchers signed by the payer key. /health, /ready and /metrics too.
Prints the resolved configuration (secrets masked) first. Runs until Ctrl-C or SIGTERM, then
finishes the requests in flight, hands every provider its last voucher and exits 0.

Configuration precedence: flag > environment > config file > default. The file is the gateway's
config (gatewayConfigSchema) plus "payer": { "keystore": "FILE" } or, on a devnet only,
{ "privateKey": "0x…" }.

Options:
  --config FILE         the gateway config (default .infermesh/gateway/gateway.json;
                        env INFERMESH_GATEWAY_CONFIG)
  --rpc-url URL         override chain.rpcUrl (env INFERMESH_RPC_URL)
  --host HOST           override server.host (env INFERMESH_GATEWAY_HOST)
  --port PORT           override server.port, 0 for any free port (env INFERMESH_GATEWAY_PORT)
  --database-url URL    override database.url, a postgres:// URL (env INFERMESH_DATABASE_URL or
                        DATABASE_URL)
  --keystore FILE       override payer.keystore (env INFERMESH_KEYSTORE)
  --password-file FILE  read the keystore password from FILE (env INFERMESH_KEYSTORE_PASSWORD_FILE;
                        or INFERMESH_KEYSTORE_PASSWORD; else a prompt on the terminal)
  --log-level LEVEL     fatal, error, warn, info, debug or trace (default info; env INFERMESH_LOG_LEVEL)
  -h, --help            this help

API keys: "infermesh keys create --config FILE". On a PGlite database (database.dir) only one
process may open it, so while the gateway runs it takes keys create's requests on an admin route
(127.0.0.1, a random port and token, both in <database.dir>.lock, readable by its owner only).`

/** `infermesh gateway start`: the gateway daemon, until a signal. */
export const gatewayStartCommand: Command = {
  name: 'gateway start',
  summary: 'Run the gateway until Ctrl-C (OpenAI-compatible API over the network, API keys, vouchers).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('gateway start', argv, {
      config: { type: 'string' },
      'rpc-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'database-url': { type: 'string' },
      keystore: { type: 'string' },
      'password-file': { type: 'string' },
      'log-level': { type: 'string' },
    })
    let lock: HeldLock | undefined
    return runDaemon({
      name: 'gateway',
      logLevel: values['log-level'],
      env: process.env,
      resolveConfig: () => resolveGatewayConfig({ flags: values, env: process.env }),
      loadAccount: (config) =>
        loadProviderAccount({
          keystore: 'keystore' in config.payer ? { path: config.payer.keystore } : config.payer,
          field: 'payer.keystore',
          env: process.env,
          ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
        }),
      accountLabel: 'payer',
      prepare: async ({ config, shutdown, print }) => {
        const pglite = !config.database.url && config.database.dir
        if (pglite) {
          const held = await acquireDatabaseLock(pglite, 'gateway')
          lock = held
          shutdown.add('database lock', () => held.release())
          await mkdir(dirname(pglite), { recursive: true })
        } else if (!config.database.url)
          print(
            'note: no database.dir or database.url: API keys and billing live in memory and vanish on stop',
          )
      },
      start: async ({ config, account, logger, shutdown }) => {
        const { payer: _payer, ...gatewayConfig } = config
        // Fastify, PGlite and the payments room: loaded when the gateway starts, not for every command.
        const { startGateway } = await import('@infermesh/gateway')
        const gateway = await startGateway({ config: gatewayConfig, account, logger })
        shutdown.add('gateway', () => gateway.close())
        if (lock) {
          const admin = await startKeysAdmin(gateway.store)
          shutdown.add('keys admin', () => admin.close())
          await lock.update({ holder: 'gateway', admin: { url: admin.url, token: admin.token } })
        }
        return gateway
      },
      announce: (gateway, { config }) =>
        `gateway ${gateway.url} paying as ${gateway.payer}, ${gateway.discovery.providerCount()} providers, low-deposit warning below ${formatEther(config.payments.lowDepositWei)} MESH`,
      stoppingText: 'finishing requests in flight and handing in the last vouchers…',
    })
  },
}
