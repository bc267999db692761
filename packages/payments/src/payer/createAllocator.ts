import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem'
import type { PayerLedger } from './PayerLedger.js'

export type AllocatorOptions = {
  publicClient: PublicClient
  /** Signs the payer's allocate / depositAndAllocate transactions (its account is the payer). */
  walletClient: WalletClient<Transport, Chain, Account>
  payments: Address
  ledger: PayerLedger
  /** What a provider's free allocation is topped up to. */
  target: bigint
  /** Top up when a provider's free allocation falls below this. */
  watermark: bigint
  /** How long top-ups wait to share one transaction. Default 25 ms. */
  batchMs?: number
  log?: { warn: (obj: object) => void; info?: (obj: object) => void }
}

type ProviderState = {
  /**
   * allocationOf(payer, provider).amount + Σ paid(payer, provider, model) read at one block. A
   * redemption moves value from the allocation to paid, so this sum changes only when the payer
   * allocates (or releases): it need not be read again after the provider redeems.
   */
  base: bigint
  /** Worst cases of requests sent to the provider and not settled yet. */
  inFlight: bigint
}

/**
 * The payer's allocations on Payments (issue 11): a provider can redeem only what the payer allocated
 * to it, so what the payer may owe a provider (verified receipts + abort allowance + worst cases in
 * flight) is kept within that allocation. A provider is allocated lazily, the first time a request
 * would go to it, and topped up to `target` whenever its free allocation falls below `watermark`;
 * top-ups wait `batchMs` to share one `allocate` transaction, and when the unallocated deposit is short
 * and the payer's wallet holds approved MESH, one `depositAndAllocate` deposits the rest.
 *
 * @example
 * const allocator = createAllocator({ publicClient, walletClient, payments, ledger, target, watermark })
 * if (await allocator.canPay(provider, worstCase)) { send(); allocator.done(provider, worstCase) }
 */
export function createAllocator(options: AllocatorOptions) {
  const { publicClient, walletClient, payments, ledger } = options
  const payer = walletClient.account.address
  const states = new Map<string, Promise<ProviderState>>()
  const pending = new Map<string, { provider: Address; amount: bigint; waiters: (() => void)[] }>()
  let timer: NodeJS.Timeout | undefined
  let chain: Promise<void> = Promise.resolve()

  const read = async (provider: Address): Promise<ProviderState> => {
    const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 })
    const [amount] = await publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'allocationOf',
      args: [payer, provider],
      blockNumber,
    })
    let paid = 0n
    for (const { modelId } of await ledger.outstanding(provider))
      paid += await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'paid',
        args: [payer, provider, modelId],
        blockNumber,
      })
    return { base: amount + paid, inFlight: 0n }
  }
  const stateOf = (provider: Address) => {
    const key = provider.toLowerCase()
    let state = states.get(key)
    if (!state) {
      state = read(provider)
      state.catch(() => states.delete(key))
      states.set(key, state)
    }
    return state
  }
  /** Free allocation: base − (billed + abort allowance on every channel) − worst cases in flight. */
  const free = async (provider: Address) => {
    const state = await stateOf(provider)
    let owed = 0n
    for (const channel of await ledger.outstanding(provider)) owed += channel.owed
    return { state, free: state.base - owed - state.inFlight }
  }

  const topUp = (provider: Address, amount: bigint) =>
    new Promise<void>((resolve) => {
      const key = provider.toLowerCase()
      const entry = pending.get(key) ?? { provider, amount: 0n, waiters: [] }
      if (amount > entry.amount) entry.amount = amount
      entry.waiters.push(resolve)
      pending.set(key, entry)
      if (timer === undefined)
        timer = setTimeout(() => {
          timer = undefined
          const batch = [...pending.values()]
          pending.clear()
          chain = chain.then(() => allocate(batch)).catch(() => {})
        }, options.batchMs ?? 25)
    })

  async function allocate(batch: { provider: Address; amount: bigint; waiters: (() => void)[] }[]) {
    try {
      const balance = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [payer],
      })
      const wanted = batch.reduce((sum, entry) => sum + entry.amount, 0n)
      let deposit = 0n
      if (wanted > balance) deposit = await depositable(wanted - balance)
      // What the deposit cannot cover is cut from the last providers of the batch.
      let left = balance + deposit
      const allocations: { provider: Address; amount: bigint }[] = []
      for (const entry of batch) {
        const amount = entry.amount < left ? entry.amount : left
        if (amount > 0n) allocations.push({ provider: entry.provider, amount })
        left -= amount
      }
      if (allocations.length === 0) {
        options.log?.warn({ msg: 'no unallocated deposit left to allocate to providers', payer })
        return
      }
      const hash =
        deposit > 0n
          ? await walletClient.writeContract({
              address: payments,
              abi: paymentsAbi,
              functionName: 'depositAndAllocate',
              args: [deposit, allocations],
            })
          : await walletClient.writeContract({
              address: payments,
              abi: paymentsAbi,
              functionName: 'allocate',
              args: [allocations],
            })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`allocate reverted in ${hash}`)
      for (const { provider, amount } of allocations) (await stateOf(provider)).base += amount
      options.log?.info?.({ msg: 'allocated to providers', payer, allocations: allocations.length, deposit })
    } catch (error) {
      options.log?.warn({ msg: 'allocation failed', payer, err: (error as Error).message })
    } finally {
      for (const entry of batch) for (const resolve of entry.waiters) resolve()
    }
  }

  /** MESH the payer's wallet holds and has approved to Payments, up to `short`. */
  async function depositable(short: bigint): Promise<bigint> {
    const token = await publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'token',
    })
    const [held, approved] = await Promise.all([
      publicClient.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [payer],
      }),
      publicClient.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'allowance',
        args: [payer, payments],
      }),
    ])
    const most = held < approved ? held : approved
    return most < short ? most : short
  }

  return {
    /**
     * Whether the payer can owe `provider` `worstCase` more within its allocation; if so, reserves it
     * (call `done` once the request is settled or given up). Allocates first when needed (lazily, in a
     * batch), and schedules a top-up when the free allocation falls below the watermark.
     */
    async canPay(provider: Address, worstCase: bigint): Promise<boolean> {
      let view = await free(provider)
      if (view.free < worstCase) {
        await topUp(provider, options.target + worstCase - view.free)
        view = await free(provider)
        if (view.free < worstCase) return false
      }
      view.state.inFlight += worstCase
      if (view.free - worstCase < options.watermark)
        void topUp(provider, options.target - (view.free - worstCase))
      return true
    },
    /** A request reserved by canPay is settled (its receipt billed, its abort allowed) or given up. */
    done(provider: Address, worstCase: bigint): void {
      void states.get(provider.toLowerCase())?.then((state) => {
        state.inFlight -= worstCase
      })
    },
    /** What the payer can still owe `provider` within its allocation. */
    async free(provider: Address): Promise<bigint> {
      return (await free(provider)).free
    },
    /** Waits for the allocations under way. */
    async idle(): Promise<void> {
      await chain
    },
  }
}

export type Allocator = ReturnType<typeof createAllocator>
