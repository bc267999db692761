import { formatEther } from 'viem'
import { createGatewayApiKey } from '../gateway/createGatewayApiKey.js'
import { resolveGatewayConfig } from '../gateway/resolveGatewayConfig.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh keys create [options]

Creates an API key in the gateway's database and prints it once (only its hash is stored). Customers
send it as "Authorization: Bearer <key>" (the openai SDK's apiKey).

The database is the gateway config's: PostgreSQL (database.url) is written directly; a PGlite
directory (database.dir) is written directly when no gateway runs on it, or through the running
gateway's admin route (PGlite allows one process per directory; the route's address and token are in
<database.dir>.lock, readable by its owner only).

Options:
  --name NAME           a label for the key (default "default")
  --spend-limit MESH    the most the key may spend, in MESH (default: no limit)
  --config FILE         the gateway config (default .infermesh/gateway/gateway.json;
                        env INFERMESH_GATEWAY_CONFIG; "infermesh up" writes <dir>/gateway/gateway.json)
  --database-url URL    override database.url (env INFERMESH_DATABASE_URL or DATABASE_URL)
  -h, --help            this help`

/** `infermesh keys create`: a new API key for the gateway. */
export const keysCreateCommand: Command = {
  name: 'keys create',
  summary: "Create an API key in the gateway's database (printed once).",
  usage,
  async run(argv) {
    const values = parseCommandArgs('keys create', argv, {
      name: { type: 'string', default: 'default' },
      'spend-limit': { type: 'string' },
      config: { type: 'string' },
      'database-url': { type: 'string' },
    })
    const spendLimit =
      values['spend-limit'] === undefined ? undefined : parseMesh(values['spend-limit'], '--spend-limit')
    const { config, file } = await resolveGatewayConfig({ flags: values, env: process.env })
    const created = await createGatewayApiKey({
      database: config.database,
      name: values.name,
      ...(spendLimit !== undefined && { spendLimit }),
    })
    console.log(`Created API key ${created.id} "${values.name}"${spendLimit !== undefined ? `, spending limit ${formatEther(spendLimit)} MESH` : ', no spending limit'} (gateway ${file}, via ${created.via}).
Keep it now: it is not shown again.

  ${created.key}`)
    return 0
  },
}
