import pino from 'pino'
import { CliError, usageError } from '../CliError.js'
import { formatError } from '../formatError.js'
import { maskUrlPassword } from '../gateway/maskGatewayConfig.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveValidatorConfig } from '../validator/resolveValidatorConfig.js'
import type { ValidatorFileConfig } from '../validator/validatorFileSchema.js'
import { loadStartValidator, type RunningValidator } from '../validatorPackage.js'
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

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** The resolved config for printing: the clear-text key and a database password masked. */
function maskValidatorConfig(config: ValidatorFileConfig): unknown {
  const plain = JSON.parse(
    JSON.stringify(config, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
  )
  if ('privateKey' in config.key) plain.key.privateKey = `${config.key.privateKey.slice(0, 6)}…********`
  if (config.database.url) plain.database.url = maskUrlPassword(config.database.url)
  return plain
}

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
    const level = values['log-level'] ?? (process.env.INFERMESH_LOG_LEVEL || 'info')
    if (!levels.includes(level))
      throw usageError(
        `${values['log-level'] !== undefined ? '--log-level' : 'INFERMESH_LOG_LEVEL'} must be one of ${levels.join(', ')}, got "${level}"`,
      )
    const { config, file, sources } = await resolveValidatorConfig({ flags: values, env: process.env })
    const overridden = Object.entries(sources).map(([path, source]) => `${path} from ${source}`)
    console.log(
      `config ${file}${overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''}\n${JSON.stringify(maskValidatorConfig(config), null, 2)}`,
    )
    const { account, origin } = await loadProviderAccount({
      keystore: 'keystore' in config.key ? { path: config.key.keystore } : config.key,
      field: 'key.keystore',
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    console.log(`validator ${account.address} (${origin})`)
    const { key: _key, ...validatorConfig } = config

    let stopping: string | undefined
    let stop: (signal: string) => void = () => {}
    const stopped = new Promise<string>((resolve) => {
      stop = resolve
    })
    const onSignal = (signal: string) => {
      if (stopping !== undefined) {
        console.error(`${signal} again: exiting now`)
        process.exit(1)
      }
      stopping = signal
      stop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)

    const logger = pino({ name: 'infermesh-validator', level })
    let validator: RunningValidator
    try {
      const startValidator = await loadStartValidator()
      validator = await startValidator({ config: validatorConfig, account, logger })
    } catch (error) {
      throw new CliError(`the validator did not start: ${formatError(error)}`, { cause: error })
    }
    if (stopping === undefined)
      console.log(
        `validator ${validator.url} as ${validator.address}, ${config.models.length} models\nPress Ctrl-C to stop.`,
      )
    const signal = await stopped
    console.log(`\n${signal}: stopping: finishing the re-execution in progress…`)
    await validator.close()
    console.log('stopped.')
    return 0
  },
}
