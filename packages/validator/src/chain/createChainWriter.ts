import { contractRevert, gasWithHeadroom } from '@infermesh/protocol'
import {
  type Abi,
  type Account,
  BaseError,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem'
import { ValidatorError } from '../errors.js'

/** A contract call as viem's `writeContract` takes it, without account and chain. */
export type ContractWrite = {
  address: `0x${string}`
  abi: Abi
  functionName: string
  args?: readonly unknown[]
  value?: bigint
}

export type ChainWriterOptions = {
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, Account>
}

/**
 * Sends the validator's transactions one at a time (one account, so nonces never collide between the
 * uptime reporter, the dispute agent and the prober), each simulated first so a revert is reported with
 * the contract's error name and arguments before any gas is spent.
 */
export function createChainWriter({ publicClient, walletClient }: ChainWriterOptions) {
  let queue: Promise<unknown> = Promise.resolve()

  async function send(call: ContractWrite): Promise<TransactionReceipt> {
    let hash: Hex
    try {
      // Simulated against the pending block: on a chain that mines on demand the latest block can be
      // epochs old, and the transaction will land in a new block with the current time.
      const { request } = await publicClient.simulateContract({
        ...call,
        account: walletClient.account,
        blockTag: 'pending',
      } as never)
      // Estimated against the pending block too, with headroom: the transaction may run a longer path
      // than the estimate's (the first uptime report of an epoch opens its records; see gasWithHeadroom).
      const estimate = await publicClient.estimateContractGas({
        ...call,
        account: walletClient.account,
        blockTag: 'pending',
      } as never)
      // The simulation's request carries only the function's ABI item: with the whole ABI, a revert
      // between the simulation and the send (another validator's transaction first) is decoded too.
      hash = await walletClient.writeContract({
        ...(request as object),
        abi: call.abi,
        gas: gasWithHeadroom(estimate),
      } as never)
    } catch (error) {
      throw describe(call.functionName, error)
    }
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success')
      throw new ValidatorError(`${call.functionName} transaction ${hash} reverted`, {
        status: 502,
        code: 'reverted',
      })
    return receipt
  }

  return {
    address: walletClient.account.address,
    /** Queues a contract call; resolves with its receipt once mined. */
    write(call: ContractWrite): Promise<TransactionReceipt> {
      const next = queue.then(
        () => send(call),
        () => send(call),
      )
      queue = next.catch(() => {})
      return next
    },
    /**
     * Runs `task` in the queue, after the transactions queued before it and before those queued after:
     * for a component that sends its own transactions (the settler's redemptions), which must resolve
     * only once they are mined so the next nonce is free.
     */
    run<T>(task: () => Promise<T>): Promise<T> {
      const next = queue.then(task, task)
      queue = next.catch(() => {})
      return next
    },
    /** Sends 0 ETH to itself: on a chain that mines only on demand (anvil), this makes a new block. */
    nudge(): Promise<TransactionReceipt> {
      const next = queue.then(async () => {
        const hash = await walletClient.sendTransaction({
          to: walletClient.account.address,
          value: 0n,
        } as never)
        return publicClient.waitForTransactionReceipt({ hash })
      })
      queue = next.catch(() => {})
      return next
    },
  }
}

export type ChainWriter = ReturnType<typeof createChainWriter>

/** The contract's custom error, when the failure was a revert (`AlreadyDrawn`, `TooEarly`…). */
export function revertName(error: unknown): string | undefined {
  return error instanceof ValidatorError && error.code.startsWith('revert:') ? error.code.slice(7) : undefined
}

function describe(functionName: string, error: unknown): ValidatorError {
  const reverted = contractRevert(error)
  if (reverted) {
    const args = reverted.args.map((a) => String(a)).join(', ')
    return new ValidatorError(`${functionName} would revert: ${reverted.name}(${args})`, {
      status: 502,
      code: `revert:${reverted.name}`,
      cause: error,
      retryable: false,
    })
  }
  const short = error instanceof BaseError ? error.shortMessage : (error as Error).message
  return new ValidatorError(`${functionName} failed: ${short}`, {
    status: 502,
    code: 'chain_error',
    cause: error,
  })
}
