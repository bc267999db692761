import { getJob, jobCoordinatorAbi, type Receipt, readJobRequested } from '@infermesh/protocol'
import type { Logger } from 'pino'
import { type Address, type Chain, type Hex, hexToString, type PublicClient, type Transport } from 'viem'
import type { CheckedSample } from '../samples/parseSample.js'

export type JobWatcherOptions = {
  publicClient: PublicClient<Transport, Chain>
  coordinator: Address
  /** Models this validator can re-execute (lowercase ids). */
  knownModels: ReadonlySet<string>
  /** Share of delivered jobs re-executed, 0..1. */
  share: number
  /** Blocks read back at start. */
  lookBackBlocks: number
  /** Hands a delivered job to re-execution (the sample queue); may throw when the queue is full. */
  enqueue: (sample: CheckedSample) => void
  log: Logger
  random?: () => number
}

/**
 * Watches the JobCoordinator's `JobDelivered` events and hands a share of the deliveries of models this
 * validator holds to re-execution, as samples: the request is the job's request bytes (`requestBytes`,
 * the canonical JSON `{body, kind: "chat"}` its receipt's requestHash covers), the response the output, the
 * receipt and signature from the event, and no sample signature (a job's payer is the coordinator, which
 * signs no sample: a dispute about a job is unassigned). A clear breach then goes through the validator's
 * ordinary dispute path.
 */
export function createJobWatcher(options: JobWatcherOptions) {
  const { publicClient, coordinator, log } = options
  const random = options.random ?? Math.random
  let nextBlock: bigint | undefined
  const seen = new Set<string>()

  async function sampleOf(
    jobId: bigint,
    output: Hex,
    receipt: Receipt,
    signature: Hex,
    receiptDigest: Hex,
  ): Promise<CheckedSample> {
    const job = await getJob({ publicClient, coordinator, jobId })
    const requested = await readJobRequested({
      publicClient,
      coordinator,
      jobId,
      requestBlock: job.requestBlock,
    })
    const bytes = await publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'requestBytes',
      args: [jobId, requested.input],
    })
    const { kind, body } = JSON.parse(hexToString(bytes)) as { kind: 'chat'; body: Record<string, unknown> }
    return {
      receipt,
      receiptSignature: signature,
      receiptDigest,
      kind,
      request: body,
      response: hexToString(output),
      payer: coordinator,
      assignment: { issuedAt: 0, signature: '0x' },
    }
  }

  return {
    /** Reads new deliveries and queues those drawn for re-execution. Never throws. */
    async tick() {
      try {
        const head = await publicClient.getBlockNumber({ cacheTime: 0 })
        let from =
          nextBlock ?? (head > BigInt(options.lookBackBlocks) ? head - BigInt(options.lookBackBlocks) : 0n)
        while (from <= head) {
          const toBlock: bigint = from + 4_999n < head ? from + 4_999n : head
          const events = await publicClient.getContractEvents({
            address: coordinator,
            abi: jobCoordinatorAbi,
            eventName: 'JobDelivered',
            fromBlock: from,
            toBlock,
            strict: true,
          })
          for (const event of events) {
            const { jobId, output, receipt, signature, receiptDigest } = event.args
            if (!options.knownModels.has(receipt.modelId.toLowerCase())) continue
            const key = receiptDigest.toLowerCase()
            if (seen.has(key)) continue
            seen.add(key)
            if (random() >= options.share) continue
            try {
              options.enqueue(await sampleOf(jobId, output, receipt, signature, receiptDigest))
              log.info({
                msg: 'delivered job queued for re-execution',
                jobId: jobId.toString(),
                provider: receipt.provider,
              })
            } catch (error) {
              seen.delete(key) // tried again on the next tick
              throw error
            }
          }
          from = toBlock + 1n
          nextBlock = from
        }
      } catch (error) {
        log.warn({ msg: 'reading delivered jobs failed; will retry', err: (error as Error).message })
      }
    },
  }
}
