import { type Address, type Hex, hexToString, type PublicClient } from 'viem'
import { jobCoordinatorAbi } from '../abis/JobCoordinator.js'
import type { Receipt } from '../receipt.js'

/** What a job's `JobDelivered` event carries: the output, and the signed receipt it was paid on. */
export type JobDelivered = {
  jobId: bigint
  provider: Address
  output: Hex
  /** The output as text (UTF-8). */
  outputText: string
  receiptDigest: Hex
  receipt: Receipt
  /** The provider's signature of the receipt (what `Disputes.openDispute` takes). */
  signature: Hex
  blockNumber: bigint
  transactionHash: Hex
}

export type ReadJobDeliveredParameters = {
  publicClient: Pick<PublicClient, 'getContractEvents'>
  coordinator: Address
  jobId: bigint
  /** Where to start looking: the job's `requestBlock` (default 0). */
  fromBlock?: bigint
}

/**
 * Reads a job's `JobDelivered` event (the output is kept only in the logs); undefined when the job was
 * not delivered (yet).
 *
 * @example
 * const delivered = await readJobDelivered({ publicClient, coordinator, jobId, fromBlock: job.requestBlock })
 * delivered?.outputText
 */
export async function readJobDelivered({
  publicClient,
  coordinator,
  jobId,
  fromBlock = 0n,
}: ReadJobDeliveredParameters): Promise<JobDelivered | undefined> {
  const logs = await publicClient.getContractEvents({
    address: coordinator,
    abi: jobCoordinatorAbi,
    eventName: 'JobDelivered',
    args: { jobId },
    fromBlock,
    strict: true,
  })
  const log = logs.at(-1)
  if (!log) return undefined
  const { args } = log
  return {
    jobId: args.jobId,
    provider: args.provider,
    output: args.output,
    outputText: hexToString(args.output),
    receiptDigest: args.receiptDigest,
    receipt: args.receipt,
    signature: args.signature,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  }
}
