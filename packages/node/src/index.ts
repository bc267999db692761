export { createDaemonApp, type DaemonAppOptions } from './app/createDaemonApp.js'
export { normalizePath } from './app/normalizePath.js'
export { type HttpErrorClass, toHttpError } from './app/toHttpError.js'
export type { Common } from './common.js'
export { formatConfigIssues } from './config/formatConfigIssues.js'
export {
  ConfigError,
  type ConfigOverride,
  type ConfigSpec,
  type ResolveConfigParams,
  type ResolvedConfig,
  resolveConfig,
} from './config/resolveConfig.js'
export {
  type CreateDaemonLoggerOptions,
  createDaemonLogger,
  type LogLevel,
  logLevels,
} from './daemon/createDaemonLogger.js'
export {
  type DaemonContext,
  DaemonError,
  type RunDaemonOptions,
  runDaemon,
} from './daemon/runDaemon.js'
export {
  type Database,
  DatabaseError,
  type OpenDatabaseOptions,
  openDatabase,
  type Sql,
} from './database/openDatabase.js'
export { BaseError, type BaseErrorOptions, walkCause } from './errors/BaseError.js'
export { HttpError, type HttpErrorOptions, type HttpErrorType } from './errors/HttpError.js'
export { jsonDepthExceeds } from './json/jsonDepthExceeds.js'
export { maskConfig } from './secrets/maskConfig.js'
export { maskSecrets } from './secrets/maskSecrets.js'
export { createShutdown, type Shutdown, type ShutdownStep } from './shutdown/createShutdown.js'
