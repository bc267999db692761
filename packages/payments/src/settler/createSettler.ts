import { gasWithHeadroom, modelRegistryAbi, paymentsAbi } from '@infermesh/protocol'
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  isAddressEqual,
  type PublicClient,
  parseEventLogs,
  type Transport,
  toFunctionSelector,
  type WalletClient,
} from 'viem'
import type { Channel, ChannelLedger } from '../recipient/ChannelLedger.js'

export type SettlerOptions = {
  ledger: ChannelLedger
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
  payments: Address
  /** The ModelRegistry and the models this provider serves: a royalty increase on one redeems early. */
  models?: { address: Address; modelIds: readonly Hex[] } | undefined
  /** Channels per redeemBatch transaction. */
  batchSize: number
  /** How often to redeem on a schedule. */
  intervalMs: number
  /** Skip channels that can pay less than this (not worth the gas), except when redeeming early. */
  minAmount: bigint
  /** Most channels one settlement looks at. Default 10,000. */
  maxChannels?: number
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Called with the amount redeemed (before burn and royalty) after each batch. */
  onRedeemed?: (amount: bigint) => void
  /** Called with a payer after it asked to withdraw or release (its cached allocation is stale). */
  onWithdrawRequested?: (payer: Address) => void
  /**
   * Called with a payer whose allocation a redemption just drew on, before the ledger records the
   * redemption: a cached allocation must be forgotten first, or for a moment the old (larger) allocation
   * would meet the new (smaller) unredeemed amount and overstate the payer's credit by what was paid.
   */
  onAllocationSpent?: (payer: Address) => void
}

export type SettleResult = {
  channels: number
  amount: bigint
  transactions: number
  /** Vouchers the chain skipped (RedeemSkipped), by reason. */
  skipped: number
  /** MESH wei of booked burn this settlement flushed (Payments.flushBurn). */
  flushed: bigint
}

const reasons = {
  [toFunctionSelector('InvalidSignature(address)')]: 'InvalidSignature',
  [toFunctionSelector('NothingToRedeem(address,address,bytes32,uint256,uint256)')]: 'NothingToRedeem',
  [toFunctionSelector('AllocationEmpty(address,address)')]: 'AllocationEmpty',
  [toFunctionSelector('ProviderMismatch(address,address)')]: 'ProviderMismatch',
} as Record<string, string>

/** A channel and what the chain can pay on it now: min(voucher − redeemed, what is left of the allocation). */
type Payable = { channel: Channel; amount: bigint }

/**
 * Redeems the provider's vouchers on-chain, in batches of many channels per transaction, on a schedule
 * and at once when a payer it holds vouchers from asks to release its allocation to this provider (the
 * provider must redeem before `releaseAt`) or to withdraw, or when a model it serves schedules a royalty
 * increase. Channels are ordered by what they can actually pay — min(voucher − redeemed, the payer's
 * allocation to this provider, shared by the payer's channels) — and channels that can pay nothing are
 * left out, so vouchers from keys with no allocation never take a batch's place; every payable channel is
 * sent, batch after batch. A voucher the chain skips (RedeemSkipped) is read from the receipt: one refused
 * for its signature is dropped from the ledger, the others are only logged. After paying anything, the
 * settler flushes Payments' booked burn (`flushBurn`, one cheap call) so the burn shows in MESH's supply.
 * Runs one settlement at a time.
 */
export function createSettler(options: SettlerOptions) {
  const { ledger, publicClient, walletClient, payments } = options
  const provider = walletClient.account.address
  let running: Promise<SettleResult> | undefined
  /** The smallest minimum amount a settlement asked for while one was running: the follow-up uses it. */
  let again: bigint | undefined
  let timer: NodeJS.Timeout | undefined
  const unwatch: (() => void)[] = []

  /** What each channel can pay, largest first; a payer's allocation is shared by its channels. */
  async function payableChannels(minAmount: bigint): Promise<Payable[]> {
    const channels = await ledger.redeemable(options.maxChannels ?? 10_000, 0n)
    const payers = [...new Set(channels.map((channel) => channel.payer))]
    const left = new Map<Address, bigint>()
    for (let i = 0; i < payers.length; i += 50) {
      const page = payers.slice(i, i + 50)
      const allocations = await Promise.all(
        page.map((payer) =>
          publicClient.readContract({
            address: payments,
            abi: paymentsAbi,
            functionName: 'allocationOf',
            args: [payer, provider],
          }),
        ),
      )
      for (const [index, payer] of page.entries()) left.set(payer, allocations[index]?.[0] ?? 0n)
    }
    const payable: Payable[] = []
    // Channels come largest voucher first, so a payer's allocation goes to its largest channels first.
    for (const channel of channels) {
      const remaining = left.get(channel.payer) ?? 0n
      const owed = channel.voucher - channel.redeemed
      const amount = owed < remaining ? owed : remaining
      if (amount === 0n || amount < minAmount) continue
      left.set(channel.payer, remaining - amount)
      payable.push({ channel, amount })
    }
    return payable.sort((a, b) => (a.amount > b.amount ? -1 : a.amount < b.amount ? 1 : 0))
  }

  async function settleOnce(minAmount: bigint): Promise<SettleResult> {
    const result: SettleResult = { channels: 0, amount: 0n, transactions: 0, skipped: 0, flushed: 0n }
    const payable = await payableChannels(minAmount)
    for (let start = 0; start < payable.length; start += options.batchSize) {
      const channels = payable.slice(start, start + options.batchSize).map((entry) => entry.channel)
      const vouchers = channels.map((channel) => ({
        voucher: {
          payer: channel.payer,
          provider,
          modelId: channel.modelId,
          cumulativeAmount: channel.voucher,
        },
        signature: channel.signature ?? '0x',
      }))
      const call = {
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeemBatch',
        args: [vouchers],
      } as const
      // The batch may run as the first redemption of a new epoch, which costs more than the estimate.
      const estimate = await publicClient.estimateContractGas({ ...call, account: walletClient.account })
      const hash = await walletClient.writeContract({ ...call, gas: gasWithHeadroom(estimate) })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`redeemBatch transaction ${hash} reverted`)
      // What this transaction paid; `paid - redeemed` would count payments the database missed.
      const amount = parseEventLogs({ abi: paymentsAbi, eventName: 'Redeemed', logs: receipt.logs }).reduce(
        (sum, log) => sum + log.args.amount,
        0n,
      )
      const skipped = parseEventLogs({ abi: paymentsAbi, eventName: 'RedeemSkipped', logs: receipt.logs })
      for (const log of skipped) {
        const reason = reasons[log.args.reason] ?? log.args.reason
        options.log.warn({
          msg: 'the chain skipped a voucher',
          payer: log.args.payer,
          modelId: log.args.modelId,
          cumulative: log.args.cumulativeAmount.toString(),
          reason,
        })
        if (reason === 'InvalidSignature' && isAddressEqual(log.args.provider, provider)) {
          await ledger.dropVoucher(
            log.args.payer,
            log.args.modelId.toLowerCase() as Hex,
            log.args.cumulativeAmount,
          )
        }
      }
      for (const channel of channels) {
        const paid = await publicClient.readContract({
          address: payments,
          abi: paymentsAbi,
          functionName: 'paid',
          args: [channel.payer, provider, channel.modelId],
        })
        options.onAllocationSpent?.(channel.payer)
        await ledger.setRedeemed(channel.payer, channel.modelId, paid)
      }
      result.channels += channels.length
      result.amount += amount
      result.transactions++
      result.skipped += skipped.length
      options.onRedeemed?.(amount)
      options.log.info({
        msg: 'redeemed vouchers',
        channels: channels.length,
        amount: amount.toString(),
        skipped: skipped.length,
        tx: hash,
      })
    }
    if (result.amount > 0n) result.flushed = await flushBurn()
    return result
  }

  /** Burns what Payments booked (one transfer to 0 for everyone's redemptions); 0 when nothing is booked. */
  async function flushBurn(): Promise<bigint> {
    try {
      const pending = await publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'pendingBurn',
      })
      if (pending === 0n) return 0n
      const call = { address: payments, abi: paymentsAbi, functionName: 'flushBurn' } as const
      // The flush funds VerificationFees' pool of the current epoch: the first flush of an epoch opens a
      // new pool and costs more than an estimate made in the epoch before.
      const estimate = await publicClient.estimateContractGas({ ...call, account: walletClient.account })
      const hash = await walletClient.writeContract({ ...call, gas: gasWithHeadroom(estimate) })
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') return 0n
      const [flushed] = parseEventLogs({ abi: paymentsAbi, eventName: 'BurnFlushed', logs: receipt.logs })
      return flushed?.args.amount ?? 0n
    } catch (error) {
      // Anyone may flush; another provider may have done it first. Never fails a settlement.
      options.log.warn({ msg: 'flushing the booked burn failed', err: (error as Error).message })
      return 0n
    }
  }

  /**
   * Redeems every channel that can pay at least `minAmount` (default: the configured minimum);
   * concurrent calls share one run (plus one follow-up).
   */
  async function settleNow(minAmount = options.minAmount): Promise<SettleResult> {
    if (running) {
      again = again === undefined || minAmount < again ? minAmount : again
      return running
    }
    running = (async () => {
      try {
        const total = await settleOnce(minAmount)
        while (again !== undefined) {
          const followUp = again
          again = undefined
          const next = await settleOnce(followUp)
          total.channels += next.channels
          total.amount += next.amount
          total.transactions += next.transactions
          total.skipped += next.skipped
          total.flushed += next.flushed
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

  /** Redeems at once, whatever the amount, when one of `payers` has channels here. */
  async function redeemEarlyFor(payersInLogs: (Address | undefined)[], why: string) {
    const known = new Set(await ledger.payers())
    const ours = payersInLogs.filter((payer): payer is Address => !!payer && known.has(payer))
    for (const payer of ours) options.onWithdrawRequested?.(payer)
    if (ours.length > 0) {
      options.log.info({ msg: `payer requested ${why}; redeeming now`, payers: ours })
      void safeSettle(why, 0n)
    }
  }

  return {
    settleNow,
    /** Starts the schedule and the watches (withdrawals, releases, royalty increases). */
    start() {
      timer = setInterval(() => void safeSettle('schedule'), options.intervalMs)
      timer.unref()
      const onError = (what: string) => (error: Error) =>
        options.log.warn({ msg: `watching ${what} failed`, err: error.message })
      unwatch.push(
        publicClient.watchContractEvent({
          address: payments,
          abi: paymentsAbi,
          eventName: 'ReleaseRequested',
          args: { provider },
          // Redeem before releaseAt: what is released after it no longer pays this provider.
          onLogs: (logs) =>
            void redeemEarlyFor(
              logs.map((log) => log.args.payer),
              'a release',
            ),
          onError: onError('releases'),
        }),
        publicClient.watchContractEvent({
          address: payments,
          abi: paymentsAbi,
          eventName: 'WithdrawRequested',
          onLogs: (logs) =>
            void redeemEarlyFor(
              logs.map((log) => log.args.payer),
              'a withdrawal',
            ),
          onError: onError('withdrawals'),
        }),
      )
      const models = options.models
      if (models && models.modelIds.length > 0) {
        const served = new Set(models.modelIds.map((id) => id.toLowerCase()))
        unwatch.push(
          publicClient.watchContractEvent({
            address: models.address,
            abi: modelRegistryAbi,
            eventName: 'RoyaltyIncreaseScheduled',
            onLogs: (logs) => {
              const ours = logs.filter((log) => served.has((log.args.modelId ?? '').toLowerCase()))
              if (ours.length === 0) return
              options.log.info({
                msg: 'a royalty increase is scheduled for a served model; redeeming now',
                models: ours.map((log) => log.args.modelId),
              })
              void safeSettle('royalty increase', 0n)
            },
            onError: onError('royalty increases'),
          }),
        )
      }
    },
    /** Stops the schedule and waits for a settlement in progress. */
    async stop() {
      if (timer) clearInterval(timer)
      for (const stop of unwatch.splice(0)) stop()
      await running?.catch(() => {})
    },
  }
}

/** A running settler: `settleNow`, `start`, `stop`. */
export type Settler = ReturnType<typeof createSettler>
