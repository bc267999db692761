import { mkdir } from 'node:fs/promises'
import pino from 'pino'
import { CliError, usageError } from '../CliError.js'
import { resolveExplorerConfig } from '../explorer/resolveExplorerConfig.js'
import { loadExplorer, type RunningExplorer } from '../explorerPackage.js'
import { formatError } from '../formatError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh explorer [options]

Runs the explorer: an indexer that follows the contracts' events into a database (with
confirmations, and rewinding chain reorganizations), probes of each provider's public /health and
/metrics (online, uptime, requests and tokens per minute), a read-only JSON API under /api, live
updates (Server-Sent Events on /api/stream) and the web app, plus /health, /ready and /metrics.
The web app (React + Vite) is built into packages/explorer/web/dist first when missing or stale.
The one write is a provider's profile text, signed by its key (EIP-712).
Prints the resolved configuration first. Runs until Ctrl-C or SIGTERM, then exits 0.

Configuration precedence: flag > environment > config file > default (explorerConfigSchema).

Options:
  --config FILE          the explorer config (default .infermesh/explorer/explorer.json, else the
                         devnet's <dir>/devnet/explorer/explorer.json; env INFERMESH_EXPLORER_CONFIG)
  --rpc-url URL          override chain.rpcUrl (env INFERMESH_RPC_URL)
  --host HOST            override server.host (env INFERMESH_EXPLORER_HOST)
  --port PORT            override server.port, 0 for any free port (default 8080; env INFERMESH_EXPLORER_PORT)
  --database-url URL     override database.url, a postgres:// URL (env INFERMESH_DATABASE_URL or DATABASE_URL);
                         otherwise PGlite in database.dir
  --confirmations N      override indexer.confirmations (default 2; env INFERMESH_EXPLORER_CONFIRMATIONS)
  --log-level LEVEL      fatal, error, warn, info, debug or trace (default info; env INFERMESH_LOG_LEVEL)
  -h, --help             this help`

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** `infermesh explorer`: the explorer daemon (indexer, API, web app), until a signal. */
export const explorerCommand: Command = {
  name: 'explorer',
  summary: 'Run the explorer until Ctrl-C (indexer, read API, web app with live updates).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('explorer', argv, {
      config: { type: 'string' },
      'rpc-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'database-url': { type: 'string' },
      confirmations: { type: 'string' },
      'log-level': { type: 'string' },
    })
    const level = values['log-level'] ?? (process.env.INFERMESH_LOG_LEVEL || 'info')
    if (!levels.includes(level))
      throw usageError(
        `${values['log-level'] !== undefined ? '--log-level' : 'INFERMESH_LOG_LEVEL'} must be one of ${levels.join(', ')}, got "${level}"`,
      )
    const { config, file, sources } = await resolveExplorerConfig({ flags: values, env: process.env })
    const overridden = Object.entries(sources).map(([path, source]) => `${path} from ${source}`)
    const masked = {
      ...config,
      chain: { ...config.chain, startBlock: config.chain.startBlock.toString() },
      database: config.database.url
        ? { url: config.database.url.replace(/\/\/[^@]*@/, '//***@') }
        : config.database,
    }
    console.log(
      `config ${file}${overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''}\n${JSON.stringify(masked, null, 2)}`,
    )
    let stopping: string | undefined
    let stop: (signal: string) => void = () => {}
    const stopped = new Promise<string>((resolve) => {
      stop = resolve
    })
    const onSignal = (signal: string) => {
      if (stopping !== undefined) process.exit(1)
      stopping = signal
      stop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)

    if (config.database.dir && !config.database.url) await mkdir(config.database.dir, { recursive: true })
    else if (!config.database.url)
      console.log(
        'note: no database.dir or database.url: the index lives in memory and is rebuilt at each start',
      )
    const logger = pino({ name: 'infermesh-explorer', level })
    let explorer: RunningExplorer
    try {
      const { startExplorer, ensureWebBuild } = await loadExplorer()
      const web = await ensureWebBuild((line) => console.log(line))
      explorer = await startExplorer({
        config,
        logger,
        webDir: web.dir,
        onIndexStart: (after) =>
          console.log(
            after === undefined
              ? `indexing from block ${config.chain.startBlock}…`
              : `resuming the index after block ${after}…`,
          ),
      })
    } catch (error) {
      throw new CliError(`the explorer did not start: ${formatError(error)}`, { cause: error })
    }
    if (stopping === undefined) {
      const status = explorer.status()
      console.log(
        `explorer ${explorer.url} (chain ${status.chainId}, indexed to block ${status.indexedBlock}, ${config.indexer.confirmations} confirmations)\nPress Ctrl-C to stop.`,
      )
    }
    const signal = await stopped
    console.log(`\n${signal}: stopping…`)
    await explorer.close()
    console.log('stopped.')
    return 0
  },
}
