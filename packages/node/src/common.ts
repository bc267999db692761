import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Shutdown } from './shutdown/createShutdown.js'

/**
 * What every factory of a daemon is given: its resolved options, one logger, the daemon's metrics
 * registry, and the shutdown registry it adds its own cleanup to. No singletons, no container.
 *
 * @example
 * export function createSettler(common: Common<SettlerOptions>, deps: { store: ChannelStore }) { … }
 */
export type Common<Options = Record<string, never>> = {
  options: Options
  logger: Logger
  metrics: { registry: Registry }
  shutdown: Shutdown
}
