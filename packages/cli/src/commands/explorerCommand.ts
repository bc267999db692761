import { mkdir } from 'node:fs/promises'
import { runDaemon } from '@infermesh/node/daemon'
import { resolveExplorerConfig } from '../explorer/resolveExplorerConfig.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh explorer [options]

Runs the explorer: an indexer that follows the contracts' events into a database (with
confirmations, and rewinding chain reorganizations), probes of each provider's public /health and
/metrics (online, uptime, requests and tokens per minute), a read-only JSON API under /api, live
updates (Server-Sent Events on /api/stream) and the web app, plus /health, /ready and /metrics.
The web app (React + Vite) is built into packages/explorer/web/dist first when missing or stale.
The one write is a provider's profile text, signed by its key (EIP-712).
Prints the resolved configuration (secrets masked) first. Runs until Ctrl-C or SIGTERM, then exits 0.

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
    return runDaemon({
      name: 'explorer',
      logLevel: values['log-level'],
      env: process.env,
      resolveConfig: () => resolveExplorerConfig({ flags: values, env: process.env }),
      prepare: async ({ config, print }) => {
        if (config.database.dir && !config.database.url) await mkdir(config.database.dir, { recursive: true })
        else if (!config.database.url)
          print(
            'note: no database.dir or database.url: the index lives in memory and is rebuilt at each start',
          )
      },
      start: async ({ config, logger, shutdown, print }) => {
        // Fastify, PGlite and Vite: loaded when the explorer starts, not for every command.
        const { startExplorer, ensureWebBuild } = await import('@infermesh/explorer')
        const web = await ensureWebBuild(print)
        const explorer = await startExplorer({
          config,
          logger,
          webDir: web.dir,
          onIndexStart: (after) =>
            print(
              after === undefined
                ? `indexing from block ${config.chain.startBlock}…`
                : `resuming the index after block ${after}…`,
            ),
        })
        shutdown.add('explorer', () => explorer.close())
        return explorer
      },
      announce: (explorer, { config }) => {
        const status = explorer.status()
        return `explorer ${explorer.url} (chain ${status.chainId}, indexed to block ${status.indexedBlock}, ${config.indexer.confirmations} confirmations)`
      },
      stoppingText: 'closing the index and the web app…',
    })
  },
}
