import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CliError, usageError } from '../CliError.js'
import { readDatabaseLock } from '../gateway/databaseLock.js'
import { pickFreePorts } from './pickFreePorts.js'
import {
  type DevnetPlan,
  type DevnetPlanOptions,
  defaultExplorerPort,
  planDevnet,
  portsNeeded,
} from './planDevnet.js'
import { portIsFree } from './portIsFree.js'

/**
 * Everything `infermesh up` checks before it starts anything, then its plan: the model file can be
 * read, no other `up` runs on the directory, the ports given are free, and enough other free ports
 * are found. The explorer gets 8080 when free and the gateway's port was given, else any free port.
 *
 * @throws CliError naming the flag to change when a port is taken or another `up` runs there.
 */
export async function preflightDevnet(
  options: Omit<DevnetPlanOptions, 'freePorts' | 'explorerPort'> & { explorerPort?: number },
): Promise<DevnetPlan> {
  if (options.model !== undefined) {
    const model = resolve(options.model)
    await access(model, constants.R_OK).catch((cause: Error) => {
      throw usageError(`cannot read the model ${model} (--model): ${cause.message}`, cause)
    })
  }
  const dir = resolve(options.dir)
  const running = await readDatabaseLock(join(dir, 'devnet', 'gateway', 'data'))
  if (running)
    throw new CliError(
      `another "infermesh up" runs on ${dir} (its gateway is pid ${running.pid}): stop it, or pass another --dir`,
    )
  if (options.gatewayPort !== 0 && !(await portIsFree(options.gatewayPort)))
    throw new CliError(
      `port ${options.gatewayPort} is in use: pass --port with a free port for the gateway (0 for any)`,
    )
  if (options.chainPort !== 0 && !(await portIsFree(options.chainPort)))
    throw new CliError(
      `port ${options.chainPort} is in use (a devnet already running?): pass --chain-port with a free port (0 for any)`,
    )
  // With the gateway on any free port (tests, several devnets), the explorer takes any free port too.
  const explorerPort =
    options.explorerPort ??
    (options.gatewayPort !== 0 && (await portIsFree(defaultExplorerPort)) ? defaultExplorerPort : 0)
  if (options.explorerPort !== undefined && explorerPort !== 0 && !(await portIsFree(explorerPort)))
    throw new CliError(
      `port ${explorerPort} is in use: pass --explorer-port with a free port for the explorer (0 for any)`,
    )
  const withPorts = { ...options, explorerPort }
  const taken = [options.chainPort, options.gatewayPort, explorerPort]
  return planDevnet({ ...withPorts, freePorts: await pickFreePorts(portsNeeded(withPorts), taken) })
}
