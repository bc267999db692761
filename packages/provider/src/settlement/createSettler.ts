import { paymentsAbi } from '@infermesh/protocol'
import {
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from 'viem'
import type { ChannelStore } from '../store/channelStore.js'

export type SettlerOptions = {
  store: ChannelStore
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
  payments: Address
  /** Channels per redeemBatch transaction. */
  batchSize: number
  /** How often to redeem on a schedule. */
  intervalMs: number
  /** Skip channels whose unredeemed voucher is below this (not worth the gas). */
  minAmount: bigint
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Called with the amount redeemed (before burn and royalty) after each batch. */
  onRedeemed?: (amount: bigint) => void
  /** Called with a payer after it asked to withdraw (its cached deposit is stale). */
  onWithdrawRequested?: (payer: Address) => void
}

export type SettleResult = { channels: number; amount: bigint; transactions: number }

/**
 * Redeems the provider's vouchers on-chain: in batches of many channels per transaction, on a
 * schedule, and at once when a payer it holds vouchers from asks to withdraw (so the withdrawal
 * delay never runs out on unredeemed work). Runs one settlement at a time.
 */
export function createSettler(options: SettlerOptions) {
  const { store, publicClient, walletClient, payments } = options
  const provider = walletClient.account.address
  let running: Promise<SettleResult> | undefined
  /** The smallest minimum amount a settlement asked for while one was running: the follow-up uses it. */
  let again: bigint | undefined
  let timer: NodeJS.Timeout | undefined
  let unwatch: (() => void) | undefined

  async function settleOnce(minAmount: bigint): Promise<SettleResult> {
    const result: SettleResult = { channels: 0, amount: 0n, transactions: 0 }
    for (;;) {
      const channels = await store.redeemable(options.batchSize, minAmount)
      if (channels.length === 0) return result
      const vouchers = channels.map((channel) => ({
        voucher: {
          payer: channel.payer,
          provider,
          modelId: channel.modelId,
          cumulativeAmount: channel.voucher,
        },
        signature: channel.signature ?? '0x',
      }))
      const hash = await walletClient.writeContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeemBatch',
        args: [vouchers],
      })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`redeemBatch transaction ${hash} reverted`)
      // What this transaction paid; `paid - redeemed` would count payments the database missed.
      const amount = parseEventLogs({ abi: paymentsAbi, eventName: 'Redeemed', logs: receipt.logs }).reduce(
        (sum, log) => sum + log.args.amount,
        0n,
      )
      for (const channel of channels) {
        const paid = await publicClient.readContract({
          address: payments,
          abi: paymentsAbi,
          functionName: 'paid',
          args: [channel.payer, provider, channel.modelId],
        })
        await store.setRedeemed(channel.payer, channel.modelId, paid)
      }
      result.channels += channels.length
      result.amount += amount
      result.transactions++
      options.onRedeemed?.(amount)
      options.log.info({
        msg: 'redeemed vouchers',
        channels: channels.length,
        amount: amount.toString(),
        tx: hash,
      })
      // A channel the deposit could not cover stays redeemable; stop rather than loop on it.
      if (channels.length < options.batchSize || amount === 0n) return result
    }
  }

  /**
   * Redeems every channel with at least `minAmount` unredeemed (default: the configured minimum);
   * concurrent calls share one run (plus one follow-up).
   */
  async function settleNow(minAmount = options.minAmount): Promise<SettleResult> {
    if (running) {
      again = again === undefined || minAmount < again ? minAmount : again
      return running
    }
    running = (async () => {
      try {
        let total = await settleOnce(minAmount)
        while (again !== undefined) {
          const followUp = again
          again = undefined
          const next = await settleOnce(followUp)
          total = {
            channels: total.channels + next.channels,
            amount: total.amount + next.amount,
            transactions: total.transactions + next.transactions,
          }
        }
        return total
      } finally {
        running = undefined
      }
    })()
    return running
  }

  const safeSettle = (reason: string, minAmount?: bigint) =>
    settleNow(minAmount).catch((error: Error) =>
      options.log.warn({ msg: 'settlement failed; will retry', reason, err: error.message }),
    )

  return {
    settleNow,
    /** Starts the schedule and the withdrawal watch. */
    start() {
      timer = setInterval(() => void safeSettle('schedule'), options.intervalMs)
      timer.unref()
      unwatch = publicClient.watchContractEvent({
        address: payments,
        abi: paymentsAbi,
        eventName: 'WithdrawRequested',
        onLogs: async (logs) => {
          const payers = new Set(await store.payers())
          const ours = logs
            .map((log) => log.args.payer)
            .filter((payer): payer is Address => !!payer && payers.has(payer))
          for (const payer of ours) options.onWithdrawRequested?.(payer)
          if (ours.length > 0) {
            options.log.info({ msg: 'payer requested withdrawal; redeeming now', payers: ours })
            // Before the withdrawal unlocks, whatever the amount: the deposit may be gone after.
            void safeSettle('withdrawal', 0n)
          }
        },
        onError: (error) => options.log.warn({ msg: 'watching withdrawals failed', err: error.message }),
      })
    },
    /** Stops the schedule and waits for a settlement in progress. */
    async stop() {
      if (timer) clearInterval(timer)
      unwatch?.()
      await running?.catch(() => {})
    },
  }
}
