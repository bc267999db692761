/**
 * What the CLI uses from `@infermesh/gateway`, in one place. Its entry point loads Fastify, PGlite and
 * llama.cpp (through the provider package): close to two seconds that only `gateway start` and
 * `keys create` need. So the light parts (the config schema, types) come from their own files, and
 * the rest is loaded on first use.
 */
export { gatewayConfigSchema } from '../../gateway/src/gatewayConfig.js'
export type { RunningGateway } from '../../gateway/src/startGateway.js'
export type { GatewayStore } from '../../gateway/src/store/createGatewayStore.js'

/** `startGateway`, loaded on first use. */
export const loadStartGateway = async () => (await import('@infermesh/gateway')).startGateway

/** A gateway database opened (PGlite directory or PostgreSQL URL) with the gateway's store on it. */
export async function openGatewayStore(options: { url?: string; dataDir?: string }) {
  const [{ openDatabase }, { createGatewayStore }] = await Promise.all([
    import('@infermesh/node/database'),
    import('../../gateway/src/store/createGatewayStore.js'),
  ])
  const db = await openDatabase(options)
  try {
    return { store: await createGatewayStore(db), close: () => db.close() }
  } catch (error) {
    await db.close()
    throw error
  }
}
