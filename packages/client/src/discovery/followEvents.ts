import { modelRegistryAbi, registryAbi, uptimeAbi } from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual, type PublicClient } from 'viem'

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

/**
 * Follows the Registry's and (when given) the ModelRegistry's and the Uptime contract's events with one
 * log filter, and hands each batch of logs to `onChanges`, sorted into what discovery must read again.
 * Returns the function that stops following.
 *
 * @example
 * ```ts
 * const unwatch = followEvents({ publicClient, registry, models, onChanges: (changes) => apply(changes), onError })
 * ```
 */
export function followEvents(parameters: {
  publicClient: PublicClient
  registry: Address
  models?: Address
  uptime?: Address
  onChanges: (changes: ChainChanges) => void
  onError: (error: Error) => void
}): () => void {
  const { registry, models, uptime } = parameters
  return parameters.publicClient.watchContractEvent({
    address: [registry, ...(models ? [models] : []), ...(uptime ? [uptime] : [])],
    abi: events,
    strict: false,
    onError: parameters.onError,
    onLogs: (logs) => {
      const changes: ChainChanges = {
        accounts: [],
        validators: false,
        everything: false,
        modelNames: new Map(),
        uptime: false,
      }
      for (const log of logs) {
        const name = (log as { eventName?: string }).eventName
        const args = ((log as { args?: unknown }).args ?? {}) as Record<string, unknown>
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
      parameters.onChanges(changes)
    },
  })
}
