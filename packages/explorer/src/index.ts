export { derivedTables, indexVersion, migrateExplorerDatabase } from './db/migrateExplorerDatabase.js'
export { ExplorerError } from './errors.js'
export { type ExplorerConfig, type ExplorerConfigInput, explorerConfigSchema } from './explorerConfig.js'
export {
  createIndexer,
  type Indexer,
  type IndexerOptions,
  type IndexerProgress,
} from './indexer/createIndexer.js'
export {
  type ContractHandlers,
  createEventHandlers,
  type EventHandler,
  type IndexedEvent,
} from './indexer/eventHandlers.js'
export { parseProviderMetrics } from './probes/parseProviderMetrics.js'
export { maxProfileLength, profileDomain, profileTypes } from './profile/profileTypedData.js'
export { type ProfileUpdateBody, signProfileUpdate } from './profile/signProfileUpdate.js'
export { type RunningExplorer, type StartExplorerOptions, startExplorer } from './startExplorer.js'
export {
  createValidatorPolls,
  type ValidatorPolls,
  type ValidatorPollsOptions,
} from './validators/createValidatorPolls.js'
export { ensureWebBuild, webDist, webRoot } from './web/ensureWebBuild.js'
