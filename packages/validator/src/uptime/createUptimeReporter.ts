import { emissionsAbi, registryAbi, uptimeAbi } from '@infermesh/protocol'
import type { Address, Chain, PublicClient, Transport } from 'viem'
import type { ChainWriter } from '../chain/createChainWriter.js'
import type { Prober } from '../probe/createProber.js'

export type UptimeReporterOptions = {
  publicClient: PublicClient<Transport, Chain>
  writer: ChainWriter
  contracts: { uptime: Address; emissions: Address; registry: Address }
  prober: Prober
  /**
   * The epoch of a moment (ms since 1970). From the clock, not from a `currentEpoch()` call: a chain that
   * mines only on demand (anvil) keeps its latest block's timestamp while nobody sends anything.
   */
  epochAt: (ms: number) => bigint
  /** Finalize ended epochs (anyone may; somebody must). */
  finalize: boolean
  /** Claim emissions for providers and other validators too, not only for itself. */
  claimForOthers: boolean
  log: { info: (obj: object) => void; warn: (obj: object) => void }
}

/** Scores per batch transaction. */
const batchSize = 50

/**
 * The validator's epoch duties: when an epoch ends, submits its uptime scores for it (successes ÷
 * attempts of its probes × 10,000) to the Uptime contract, finalizes epochs two behind (the Uptime
 * contract then holds each provider's stake-weighted median), and claims the emissions of epochs whose
 * challenge window has passed.
 */
export function createUptimeReporter(options: UptimeReporterOptions) {
  const { publicClient, writer, contracts, prober, log } = options
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  let lastEpoch: bigint | undefined
  const submitted = new Set<bigint>()
  const claimed = new Set<string>()
  let busy: Promise<void> | undefined

  async function submit(epoch: bigint) {
    if (submitted.has(epoch)) return
    const tallies = prober.tallies(epoch).filter((t) => t.attempts > 0)
    submitted.add(epoch)
    for (let i = 0; i < tallies.length; i += batchSize) {
      const batch = tallies.slice(i, i + batchSize)
      const scores = batch.map((t) => Math.round((t.successes / t.attempts) * 10_000))
      try {
        await writer.write({
          address: contracts.uptime,
          abi: uptimeAbi,
          functionName: 'submitScores',
          args: [epoch, batch.map((t) => t.provider), scores],
        })
        log.info({
          msg: 'uptime scores submitted',
          epoch: epoch.toString(),
          scores: Object.fromEntries(batch.map((t, j) => [t.provider, scores[j]])),
        })
      } catch (error) {
        log.warn({
          msg: 'submitting uptime scores failed',
          epoch: epoch.toString(),
          err: (error as Error).message,
        })
      }
    }
  }

  async function finalize(epoch: bigint) {
    if (epoch < 0n) return
    if (await read<boolean>(contracts.uptime, uptimeAbi, 'isFinalized', [epoch])) return
    for (let round = 0; round < 100; round++) {
      try {
        await writer.write({
          address: contracts.uptime,
          abi: uptimeAbi,
          functionName: 'finalize',
          args: [epoch, 100n],
        })
      } catch (error) {
        // Another validator finalized it first, or nobody reported anything.
        log.info({ msg: 'finalize skipped', epoch: epoch.toString(), err: (error as Error).message })
        return
      }
      if (await read<boolean>(contracts.uptime, uptimeAbi, 'isFinalized', [epoch])) {
        log.info({ msg: 'uptime epoch finalized', epoch: epoch.toString() })
        return
      }
    }
  }

  async function accounts(): Promise<Address[]> {
    if (!options.claimForOthers) return [writer.address]
    const list: Address[] = [writer.address]
    for (const fn of ['getProviders', 'getValidators'] as const) {
      for (let offset = 0n; ; offset += 100n) {
        const page = await read<readonly { provider?: Address; validator?: Address }[]>(
          contracts.registry,
          registryAbi,
          fn,
          [offset, 100n],
        )
        for (const view of page) {
          const account = view.provider ?? view.validator
          if (account && account.toLowerCase() !== writer.address.toLowerCase()) list.push(account)
        }
        if (page.length < 100) break
      }
    }
    return list
  }

  async function claim(epoch: bigint) {
    if (epoch < 0n) return
    if (!(await read<boolean>(contracts.uptime, uptimeAbi, 'isFinalized', [epoch]))) return
    for (const account of await accounts()) {
      const key = `${epoch}:${account.toLowerCase()}`
      if (claimed.has(key)) continue
      const [availability, work, validation] = await read<readonly [bigint, bigint, bigint]>(
        contracts.emissions,
        emissionsAbi,
        'claimable',
        [epoch, account],
      )
      if (availability + work + validation === 0n) {
        claimed.add(key)
        continue
      }
      try {
        await writer.write({
          address: contracts.emissions,
          abi: emissionsAbi,
          functionName: 'claim',
          args: [epoch, account],
        })
        claimed.add(key)
        log.info({
          msg: 'emissions claimed',
          epoch: epoch.toString(),
          account,
          availability: availability.toString(),
          work: work.toString(),
          validation: validation.toString(),
        })
      } catch (error) {
        const message = (error as Error).message
        // Claimed by someone else, or a provider with disputes still open: try again next epoch.
        if (/AlreadyClaimed/.test(message)) claimed.add(key)
        else log.info({ msg: 'claim deferred', epoch: epoch.toString(), account, err: message })
      }
    }
  }

  async function tick() {
    const epoch = options.epochAt(Date.now())
    if (lastEpoch === undefined) {
      lastEpoch = epoch
      return
    }
    if (epoch === lastEpoch) return
    lastEpoch = epoch
    await submit(epoch - 1n)
    if (options.finalize) await finalize(epoch - 2n)
    // Epochs whose challenge window just passed, and older ones deferred by open disputes.
    for (const back of [2n, 3n, 4n]) await claim(epoch - back)
    prober.prune(epoch - 2n)
  }

  return {
    /** Checks the epoch clock and does what an epoch change asks for; one at a time. */
    tick(): Promise<void> {
      busy ??= tick()
        .catch((error: Error) => log.warn({ msg: 'epoch duties failed', err: error.message }))
        .finally(() => {
          busy = undefined
        })
      return busy
    },
    submit,
    finalize,
    claim,
  }
}

export type UptimeReporter = ReturnType<typeof createUptimeReporter>
