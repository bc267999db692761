import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { CliError, usageError } from '../CliError.js'
import { formatError } from '../formatError.js'
import { acquireDatabaseLock, readDatabaseLock } from './databaseLock.js'
import type { GatewayFileConfig } from './gatewayFileSchema.js'
import { openGatewayStore } from './openGatewayStore.js'
import type { CreateKeyRequest } from './startKeysAdmin.js'

export type CreateGatewayApiKeyParams = {
  database: GatewayFileConfig['database']
  name: string
  /** MESH wei the key may spend; unlimited when absent. */
  spendLimit?: bigint
}

export type CreatedApiKey = {
  id: string
  /** The key in clear: shown once, only its hash is stored. */
  key: string
  /** How the key was written: `PostgreSQL`, `PGlite <dir>`, or `the running gateway (pid N)`. */
  via: string
}

/**
 * Creates an API key in a gateway's database. PostgreSQL (`database.url`) is opened directly: several
 * processes may share it. A PGlite directory may be open in one process only: when a gateway runs on
 * it, the key is created through that gateway's admin route (its URL and token are in the directory's
 * lock file); otherwise the directory is locked, opened, written and closed.
 *
 * @throws CliError (exit 2) when the database is in memory (nothing outside the gateway can reach it).
 */
export async function createGatewayApiKey(params: CreateGatewayApiKeyParams): Promise<CreatedApiKey> {
  const { database, name, spendLimit } = params
  if (database.url) {
    const { store, close } = await openGatewayStore({ url: database.url })
    try {
      return { ...(await store.createApiKey(name, spendLimit)), via: 'PostgreSQL' }
    } finally {
      await close()
    }
  }
  const dir = database.dir
  if (!dir)
    throw usageError(
      'the gateway config has no database: its keys live in memory, inside the gateway; set database.dir (PGlite) or database.url (PostgreSQL)',
    )
  let running = await readDatabaseLock(dir)
  // A gateway answers /ready a moment before its admin route is in the lock file: wait for it.
  for (let waited = 0; running?.holder === 'gateway' && !running.admin && waited < 30_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    running = await readDatabaseLock(dir)
  }
  if (running?.admin) {
    const request: CreateKeyRequest = {
      name,
      ...(spendLimit !== undefined && { spendLimit: spendLimit.toString() }),
    }
    let response: Response
    try {
      response = await fetch(`${running.admin.url}/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${running.admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(10_000),
      })
    } catch (cause) {
      throw new CliError(
        `the gateway (pid ${running.pid}) holds the database ${dir} but its admin route ${running.admin.url} does not answer: ${formatError(cause)}`,
        { cause },
      )
    }
    const body = (await response.json().catch(() => ({}))) as {
      id?: string
      key?: string
      error?: { message?: string }
    }
    if (response.status !== 201 || !body.id || !body.key)
      throw new CliError(
        `the running gateway (pid ${running.pid}) refused to create the key: ${body.error?.message ?? `status ${response.status}`}`,
      )
    return { id: body.id, key: body.key, via: `the running gateway (pid ${running.pid})` }
  }
  const lock = await acquireDatabaseLock(dir, 'keys')
  try {
    await mkdir(dirname(dir), { recursive: true })
    const { store, close } = await openGatewayStore({ dataDir: dir })
    try {
      return { ...(await store.createApiKey(name, spendLimit)), via: `PGlite ${dir}` }
    } finally {
      await close()
    }
  } finally {
    await lock.release()
  }
}
