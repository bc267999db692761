import { runDaemon } from '@infermesh/node/daemon'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveValidatorConfig } from '../validator/resolveValidatorConfig.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh validator start [options]

Runs a validator: stakes and registers its endpoint in the Registry (at least the minimum validator
stake), probes every provider (health + a tiny inference paid like a customer's) and submits uptime
scores each epoch, finalizes ended epochs and claims its emissions, re-executes samples gateways send
(and its own probes) teacher-forced with the same model, opens a dispute on a clear breach, and votes
when drawn onto a committee. /health, /ready, /metrics, /infermesh/v1/{samples,reputation,reports,status}.
Prints the resolved configuration (secrets masked) first. Runs until Ctrl-C or SIGTERM.

Configuration precedence: flag > environment > config file > default. The file is the validator's
config (validatorConfigSchema) plus "key": { "keystore": "FILE" } or, on a devnet only,
{ "privateKey": "0x…" }. Models it can re-execute: "models": [{ "modelId": "0x…", "path": "x.gguf" }].

Options:
  --config FILE         the validator config (default .infermesh/validator/validator.json;
                        env INFERMESH_VALIDATOR_CONFIG)
  --rpc-url URL         override chain.rpcUrl (env INFERMESH_RPC_URL)
  --host HOST           override server.host (env INFERMESH_VALIDATOR_HOST)
  --port PORT           override server.port, 0 for any free port (env INFERMESH_VALIDATOR_PORT)
  --public-url URL      the endpoint registered on-chain (env INFERMESH_VALIDATOR_PUBLIC_URL)
  --database-url URL    override database.url (env INFERMESH_DATABASE_URL or DATABASE_URL)
  --keystore FILE       override key.keystore (env INFERMESH_KEYSTORE)
  --password-file FILE  read the keystore password from FILE (env INFERMESH_KEYSTORE_PASSWORD_FILE;
                        or INFERMESH_KEYSTORE_PASSWORD; else a prompt on the terminal)
  --log-level LEVEL     fatal, error, warn, info, debug or trace (default info; env INFERMESH_LOG_LEVEL)
  -h, --help            this help`

/** `infermesh validator start`: the validator daemon, until a signal. */
export const validatorStartCommand: Command = {
  name: 'validator start',
  summary: 'Run a validator until Ctrl-C (uptime probes, re-execution of samples, disputes, votes).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('validator start', argv, {
      config: { type: 'string' },
      'rpc-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'public-url': { type: 'string' },
      'database-url': { type: 'string' },
      keystore: { type: 'string' },
      'password-file': { type: 'string' },
      'log-level': { type: 'string' },
    })
    return runDaemon({
      name: 'validator',
      logLevel: values['log-level'],
      env: process.env,
      resolveConfig: () => resolveValidatorConfig({ flags: values, env: process.env }),
      loadAccount: (config) =>
        loadProviderAccount({
          keystore: 'keystore' in config.key ? { path: config.key.keystore } : config.key,
          field: 'key.keystore',
          env: process.env,
          ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
        }),
      accountLabel: 'validator',
      start: async ({ config, account, logger, shutdown }) => {
        const { key: _key, ...validatorConfig } = config
        // llama.cpp, Fastify and PGlite: loaded when the validator starts, not for every command.
        const { startValidator } = await import('@infermesh/validator')
        const validator = await startValidator({ config: validatorConfig, account, logger })
        shutdown.add('validator', () => validator.close())
        return validator
      },
      announce: (validator, { config }) =>
        `validator ${validator.url} as ${validator.address}, ${config.models.length} models`,
      stoppingText: 'finishing the re-execution in progress…',
    })
  },
}
