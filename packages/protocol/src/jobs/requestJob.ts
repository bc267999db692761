import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEventLogs,
  stringToHex,
  type Transport,
  type WalletClient,
} from 'viem'
import { jobCoordinatorAbi } from '../abis/JobCoordinator.js'
import { meshTokenAbi } from '../abis/MeshToken.js'
import { canonicalJson } from '../canonicalJson.js'
import { BaseError } from '../errors.js'
import { gasWithHeadroom } from '../gasWithHeadroom.js'

/** A chat message of a job's input. */
export type JobMessage = { role: 'system' | 'user' | 'assistant'; content: string }

export type RequestJobParameters = {
  publicClient: Pick<PublicClient, 'readContract' | 'estimateContractGas' | 'waitForTransactionReceipt'>
  walletClient: WalletClient<Transport, Chain, Account>
  coordinator: Address
  /** The MESH token (escrow is pulled from it; approved here when the allowance is short). */
  token: Address
  modelId: Hex
  /** The chat messages; sent as their canonical JSON (RFC 8785), as the coordinator's request bytes need. */
  messages: readonly JobMessage[]
  maxTokens: number
  /** Temperature × 1000 (0 = greedy). Default 0. */
  temperatureMilli?: number
  /** Default 0. */
  seed?: bigint
  /** Most MESH wei the job may cost (escrowed now; the rest is refunded at settlement). */
  maxPayment: bigint
  /** Gas for the requester's callback (0: none; accounts have no code and get none anyway). Default 0. */
  callbackGasLimit?: number
  /** Seconds from now to the delivery deadline. Default 600. */
  ttl?: bigint
}

/** The job a request created, and the transaction that made it. */
export type RequestedJob = { jobId: bigint; transactionHash: Hex }

/**
 * Requests a job from an account: approves the coordinator for `maxPayment` when the allowance is short,
 * then calls `request` and returns the job id from its `JobRequested` event.
 *
 * @example
 * const { jobId } = await requestJob({
 *   publicClient, walletClient, coordinator, token, modelId,
 *   messages: [{ role: 'user', content: 'What is 2 + 2?' }], maxTokens: 16, maxPayment: 10n ** 15n,
 * })
 */
export async function requestJob(params: RequestJobParameters): Promise<RequestedJob> {
  const { publicClient, walletClient, coordinator, token } = params
  const account = walletClient.account
  const allowance = await publicClient.readContract({
    address: token,
    abi: meshTokenAbi,
    functionName: 'allowance',
    args: [account.address, coordinator],
  })
  if (allowance < params.maxPayment) {
    const hash = await walletClient.writeContract({
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [coordinator, params.maxPayment],
    })
    await publicClient.waitForTransactionReceipt({ hash })
  }
  const job = {
    modelId: params.modelId,
    input: stringToHex(canonicalJson(params.messages)),
    maxTokens: params.maxTokens,
    temperatureMilli: params.temperatureMilli ?? 0,
    seed: params.seed ?? 0n,
    maxPayment: params.maxPayment,
    callbackGasLimit: params.callbackGasLimit ?? 0,
    ttl: params.ttl ?? 600n,
  }
  const call = {
    address: coordinator,
    abi: jobCoordinatorAbi,
    functionName: 'request',
    args: [job],
    account,
  } as const
  const gas = gasWithHeadroom(await publicClient.estimateContractGas(call))
  const hash = await walletClient.writeContract({ ...call, gas })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success')
    throw new BaseError(`The job request ${hash} reverted on the JobCoordinator at ${coordinator}.`)
  const [requested] = parseEventLogs({
    abi: jobCoordinatorAbi,
    eventName: 'JobRequested',
    logs: receipt.logs,
  })
  if (!requested) throw new BaseError(`The job request ${hash} emitted no JobRequested event.`)
  return { jobId: requested.args.jobId, transactionHash: hash }
}
