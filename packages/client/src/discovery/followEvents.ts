import { modelRegistryAbi, registryAbi, uptimeAbi } from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual, type Log, type PublicClient, parseEventLogs } from 'viem'

/** What the chain's events say changed, sorted for discovery. */
export type ChainChanges = {
  /** Accounts whose provider or validator record may have changed (Registry events naming them). */
  accounts: Address[]
  /** A validator registered or left. */
  validators: boolean
  /** A Registry parameter every record depends on changed (the minimum stakes): read everything again. */
  everything: boolean
  /** Model names registered or changed, by model id in lower case. */
  modelNames: Map<Hex, string>
  /** Validators submitted uptime scores or an epoch was finalized: providers' `isActive` may differ. */
  uptime: boolean
}

const events = [...registryAbi, ...modelRegistryAbi, ...uptimeAbi].filter((item) => item.type === 'event')
/** The most blocks asked for in one `eth_getLogs`, so catching up after a pause stays within node limits. */
const maxRange = 1_000n

/**
 * Follows the Registry's and (when given) the ModelRegistry's and the Uptime contract's events from
 * `fromBlock` on: every `intervalMs`, the latest block number, then the logs of the new blocks (at most
 * 1,000 blocks per call), handed to `onChanges` sorted into what discovery must read again. A failed
 * round goes to `onError` and is tried again from the same block. Plain `eth_getLogs` rather than a log
 * filter, so nothing is left installed on the node and stopping is immediate: the returned function
 * stops following, also in the middle of a round.
 *
 * @example
 * ```ts
 * const stop = followEvents({ publicClient, registry, models, fromBlock, intervalMs: 1_000, onChanges: apply, onError })
 * ```
 */
export function followEvents(parameters: {
  publicClient: PublicClient
  registry: Address
  models?: Address
  uptime?: Address
  /** The first block to read events from. */
  fromBlock: bigint
  intervalMs: number
  onChanges: (changes: ChainChanges) => void
  onError: (error: Error) => void
}): () => void {
  const { publicClient, registry, models, uptime } = parameters
  const address = [registry, ...(models ? [models] : []), ...(uptime ? [uptime] : [])]
  let next = parameters.fromBlock
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  const round = async () => {
    try {
      const latest = await publicClient.getBlockNumber({ cacheTime: 0 })
      while (!stopped && next <= latest) {
        const to = next + maxRange - 1n < latest ? next + maxRange - 1n : latest
        const logs = await publicClient.getLogs({ address, fromBlock: next, toBlock: to })
        if (stopped) return
        next = to + 1n
        if (logs.length > 0) parameters.onChanges(sortChanges(logs, registry, models))
      }
    } catch (error) {
      if (!stopped) parameters.onError(error as Error)
    } finally {
      if (!stopped) {
        timer = setTimeout(round, parameters.intervalMs)
        timer.unref()
      }
    }
  }
  void round()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}

function sortChanges(logs: Log[], registry: Address, models: Address | undefined): ChainChanges {
  const changes: ChainChanges = {
    accounts: [],
    validators: false,
    everything: false,
    modelNames: new Map(),
    uptime: false,
  }
  for (const log of parseEventLogs({ abi: events, logs, strict: false })) {
    const name = log.eventName as string
    const args = (log.args ?? {}) as Record<string, unknown>
    if (isAddressEqual(log.address, registry)) {
      const account = args.provider ?? args.account ?? args.validator
      if (typeof account === 'string') changes.accounts.push(account as Address)
      if (name === 'ValidatorRegistered' || name === 'ValidatorUnregistered') changes.validators = true
      if (name === 'MinStakeSet' || name === 'MinValidatorStakeSet') changes.everything = true
    } else if (models && isAddressEqual(log.address, models)) {
      if (
        (name === 'ModelRegistered' || name === 'ModelUpdated') &&
        typeof args.modelId === 'string' &&
        typeof args.name === 'string'
      )
        changes.modelNames.set(args.modelId.toLowerCase() as Hex, args.name)
    } else if (name === 'ScoresSubmitted' || name === 'EpochFinalized' || name === 'FloorSet') {
      changes.uptime = true
    }
  }
  return changes
}
