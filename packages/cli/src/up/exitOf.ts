import { CliError } from '../CliError.js'
import { type Daemon, describeExit } from '../network/spawnDaemon.js'

/**
 * Rejects, with a message naming the daemon and the end of its log, when the daemon exits: the
 * `abandon` of a wait for a daemon that should be starting.
 */
export function exitOf(daemon: Daemon): Promise<never> {
  return daemon.exited.then(async (result) => {
    throw new CliError(
      `${daemon.name} stopped while starting (${describeExit(result)}); the end of its log ${daemon.logFile}:\n${await daemon.tail()}`,
    )
  })
}
