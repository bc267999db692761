import { verificationFeesAbi } from '@infermesh/protocol'
import { type Address, type Chain, type PublicClient, parseEventLogs, type Transport } from 'viem'
import { type ChainWriter, revertName } from '../chain/createChainWriter.js'

export type FeeClaimerOptions = {
  publicClient: PublicClient<Transport, Chain>
  /** The validator's serialized writer: the claim is one of its transactions. */
  writer: Pick<ChainWriter, 'address' | 'write'>
  /** The deployment's VerificationFees contract. */
  verificationFees: Address
  /** The first block to look for this validator's vote points in (a restart looks back this far). */
  fromBlock: bigint
  log: { info: (obj: object) => void; warn: (obj: object) => void }
}

/** Most blocks read per `getContractEvents` call. */
const logRange = 10_000n

/**
 * Claims this validator's committee-vote fees (verification fees, part 1): follows the VotesCredited
 * events that name it, and once an epoch in which it earned points has ended (VerificationFees'
 * `currentEpoch`), sends one `claim(self, epochs)` for every such epoch with `claimable > 0`, through the
 * validator's serialized writer (simulated first, gas with headroom). An epoch claimed, or whose claim
 * would pay nothing, is forgotten; a failed claim is logged and tried again at the next tick. `tick` is
 * cheap when nothing is due: it reads new logs and the epoch.
 *
 * @example
 * const claimer = createFeeClaimer({ publicClient, writer, verificationFees, fromBlock, log })
 * setInterval(() => void claimer.tick(), 2_000)
 */
export function createFeeClaimer(options: FeeClaimerOptions) {
  const { publicClient, writer, verificationFees, log } = options
  const self = writer.address
  /** Epochs this validator earned points in and has not claimed yet. */
  const pending = new Set<bigint>()
  let nextBlock = options.fromBlock
  let running: Promise<bigint> | undefined

  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: verificationFees,
      abi: verificationFeesAbi,
      functionName,
      args,
    } as never) as Promise<T>

  async function follow() {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    while (nextBlock <= head) {
      const to = nextBlock + logRange - 1n < head ? nextBlock + logRange - 1n : head
      const logs = await publicClient.getContractEvents({
        address: verificationFees,
        abi: verificationFeesAbi,
        eventName: 'VotesCredited',
        args: { validator: self },
        fromBlock: nextBlock,
        toBlock: to,
      })
      for (const entry of logs) {
        const epoch = (entry.args as { epoch?: bigint }).epoch
        if (epoch !== undefined) pending.add(BigInt(epoch))
      }
      nextBlock = to + 1n
    }
  }

  async function claimDue(): Promise<bigint> {
    await follow()
    if (pending.size === 0) return 0n
    const current = await read<bigint>('currentEpoch')
    const due: bigint[] = []
    for (const epoch of [...pending].sort((a, b) => (a < b ? -1 : 1))) {
      if (epoch >= current) continue
      if ((await read<bigint>('claimable', [self, epoch])) > 0n) due.push(epoch)
      else pending.delete(epoch) // claimed already, or its pool pays nothing: final once the epoch ended
    }
    if (due.length === 0) return 0n
    try {
      const receipt = await writer.write({
        address: verificationFees,
        abi: verificationFeesAbi,
        functionName: 'claim',
        args: [self, due],
      })
      const paid = parseEventLogs({ abi: verificationFeesAbi, eventName: 'FeesClaimed', logs: receipt.logs })
      const amount = paid.reduce((sum, entry) => sum + (entry.args as { amount: bigint }).amount, 0n)
      for (const epoch of due) pending.delete(epoch)
      log.info({
        msg: 'claimed committee-vote fees',
        epochs: due.map(String),
        amount: amount.toString(),
        tx: receipt.transactionHash,
      })
      return amount
    } catch (error) {
      // Someone claimed for it meanwhile (anyone may): nothing is lost, the epochs are done.
      if (revertName(error) === 'NothingToClaim') for (const epoch of due) pending.delete(epoch)
      log.warn({
        msg: 'claiming committee-vote fees failed; will retry',
        epochs: due.map(String),
        err: (error as Error).message,
      })
      return 0n
    }
  }

  return {
    /** Claims what is due; resolves with the MESH wei claimed (0 when nothing was due or it failed). One run at a time. */
    tick(): Promise<bigint> {
      running ??= claimDue()
        .catch((error: Error) => {
          log.warn({ msg: 'reading committee-vote fees failed; will retry', err: error.message })
          return 0n
        })
        .finally(() => {
          running = undefined
        })
      return running
    },
    /** Epochs with points not claimed yet (for status). */
    pending: (): bigint[] => [...pending],
  }
}

export type FeeClaimer = ReturnType<typeof createFeeClaimer>
