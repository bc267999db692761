import { type Address, type Hex, hexToString, type PublicClient } from 'viem'
import { jobCoordinatorAbi } from '../abis/JobCoordinator.js'
import { BaseError } from '../errors.js'

/** What a job's `JobRequested` event carries: its input (only in the event) and decoding parameters. */
export type JobRequested = {
  jobId: bigint
  requester: Address
  modelId: Hex
  /** The input bytes as requested (a canonical JSON array of chat messages, when well-formed). */
  input: Hex
  /** The input as text (UTF-8; replacement characters where it is not valid UTF-8). */
  inputText: string
  maxTokens: number
  temperatureMilli: number
  seed: bigint
  maxPayment: bigint
  callbackGasLimit: number
  deadline: bigint
  subscriptionId: bigint
  blockNumber: bigint
  transactionHash: Hex
}

export type ReadJobRequestedParameters = {
  publicClient: Pick<PublicClient, 'getContractEvents'>
  coordinator: Address
  jobId: bigint
  /** The job's `requestBlock` (`getJob`): the event is in that block. */
  requestBlock: bigint
}

/**
 * Reads a job's `JobRequested` event (its input is kept only there, in the logs) from the block of its
 * request. Throws a `BaseError` when the event is not in that block (a wrong block or coordinator).
 *
 * @example
 * const job = await getJob({ publicClient, coordinator, jobId })
 * const { inputText } = await readJobRequested({ publicClient, coordinator, jobId, requestBlock: job.requestBlock })
 */
export async function readJobRequested({
  publicClient,
  coordinator,
  jobId,
  requestBlock,
}: ReadJobRequestedParameters): Promise<JobRequested> {
  const logs = await publicClient.getContractEvents({
    address: coordinator,
    abi: jobCoordinatorAbi,
    eventName: 'JobRequested',
    args: { jobId },
    fromBlock: requestBlock,
    toBlock: requestBlock,
    strict: true,
  })
  const log = logs[0]
  if (!log)
    throw new BaseError(
      `No JobRequested event of job ${jobId} in block ${requestBlock} of the JobCoordinator at ${coordinator}.`,
      { retryable: true },
    )
  const { args } = log
  return {
    jobId: args.jobId,
    requester: args.requester,
    modelId: args.modelId,
    input: args.input,
    inputText: hexToString(args.input),
    maxTokens: args.maxTokens,
    temperatureMilli: args.temperatureMilli,
    seed: args.seed,
    maxPayment: args.maxPayment,
    callbackGasLimit: args.callbackGasLimit,
    deadline: args.deadline,
    subscriptionId: args.subscriptionId,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  }
}
