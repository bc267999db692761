import type { GatewayStore } from '@infermesh/gateway'

/**
 * A gateway database opened (a PGlite directory, a PostgreSQL URL, or in memory with neither) with the
 * gateway's store on it, for `infermesh keys create` when no gateway runs on it. The database and the
 * store are loaded on first use: most commands never need them.
 *
 * @example
 * const { store, close } = await openGatewayStore({ dataDir: '.infermesh/gateway/data' })
 * try { await store.createApiKey('ci') } finally { await close() }
 */
export async function openGatewayStore(options: {
  url?: string
  dataDir?: string
}): Promise<{ store: GatewayStore; close: () => Promise<void> }> {
  const [{ openDatabase }, { createGatewayStore }] = await Promise.all([
    import('@infermesh/node/database'),
    import('@infermesh/gateway/store'),
  ])
  const db = await openDatabase(options)
  try {
    return { store: await createGatewayStore(db), close: () => db.close() }
  } catch (error) {
    await db.close()
    throw error
  }
}
