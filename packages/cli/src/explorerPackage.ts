/**
 * What the CLI uses from `@infermesh/explorer`, in one place: the config schema from its own file
 * (light), the rest (Fastify, PGlite, Vite) loaded on first use by `infermesh explorer` only.
 */
export {
  type ExplorerConfig,
  type ExplorerConfigInput,
  explorerConfigSchema,
} from '../../explorer/src/explorerConfig.js'
export type { RunningExplorer } from '../../explorer/src/startExplorer.js'

/** `startExplorer` and `ensureWebBuild`, loaded on first use. */
export const loadExplorer = async () => {
  const explorer = await import('@infermesh/explorer')
  return { startExplorer: explorer.startExplorer, ensureWebBuild: explorer.ensureWebBuild }
}
