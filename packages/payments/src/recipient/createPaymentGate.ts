import { createKeyedLock } from '@infermesh/node/lock'
import {
  decodeSignedVoucher,
  isValidSignatureNow,
  paymentsDigest,
  type SignatureRuleClient,
  type Voucher,
  voucherHeader,
} from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual } from 'viem'
import { PaymentError } from '../PaymentError.js'
import type { ChannelLedger } from './ChannelLedger.js'

export type PaymentGateOptions = {
  chainId: number
  payments: Address
  /** This provider's address: vouchers must name it. */
  provider: Address
  /** Where channels live: the stored voucher and owed amount per channel, and the payer's totals. */
  ledger: ChannelLedger
  /** Most unpaid work (done but not covered by vouchers) this provider accepts from one payer, across its channels, in MESH wei (the post-pay risk it chooses). */
  creditLimit: bigint
  /**
   * What the payer's work here can be paid from on-chain: its allocation to this provider minus what it
   * asked to release (cached). 0 for a payer that allocated nothing.
   */
  availableAllocation: (payer: Address) => Promise<bigint>
  /** Reads code for the EIP-1271 fallback of the signature rule (contract and EIP-7702 payers). */
  signatureClient?: SignatureRuleClient | undefined
}

/** Channels whose last ECDSA-verified voucher the gate remembers (then it forgets them all and starts again). */
const maxRemembered = 100_000

/** A request let through the gate: who pays, and the reservation to release once it is billed. */
export type Admission = {
  payer: Address
  /**
   * Resolves once the voucher the request came with is durable. Nothing on a request's path needs to
   * wait for it: the ledger commits it before any receipt that follows. A route that answers without a
   * receipt (a voucher handed in alone) waits for it.
   */
  durable: Promise<void>
  release: () => void
}

const paymentRequired = (code: string, message: string, wire?: Record<string, string>) =>
  new PaymentError(message, {
    status: 402,
    code,
    type: 'payment_error',
    // The voucher is at fault for the voucher_* refusals; the payer's funds or credit for the others.
    param: code.startsWith('voucher_') ? voucherHeader : null,
    retryable: false,
    ...(wire && { wire }),
  })

/**
 * The post-pay rule (DESIGN rule 2) at the provider's door. Every request carries a voucher for
 * the channel's completed work; the gate checks its signature (the contract's rule) and channel, that
 * the cumulative never goes down, and lets the request in only while the payer's unpaid work (plus what
 * its requests in flight may cost) stays within the credit limit and everything it would owe here within
 * its allocation to this provider. A voucher is stored only once every check passed, so a refused
 * request (a throwaway key with no allocation, a voucher above the allocation) leaves no row behind and
 * nothing the settler would try to redeem. The checks and codes follow packages/protocol/PROTOCOL.md
 * §8.2. Refusals are 402 `PaymentError`s whose `code` says why.
 *
 * The hot path costs no database read: the ledger holds channels in memory. A voucher's digest is
 * computed with the domain separator and type hash cached (`paymentsDigest`), and a voucher identical
 * to the channel's last one whose ECDSA signature recovered its payer (concurrent requests of one payer
 * carry the same voucher) is not recovered again. A raised voucher is counted by the ledger at once and committed with the next receipt
 * (or within a few ms): the request is let in without waiting, and its receipt can only be committed, and
 * answered, after the voucher is.
 */
export function createPaymentGate(options: PaymentGateOptions) {
  const { ledger, creditLimit } = options
  /** Worst-case cost of requests admitted and not yet billed, per payer. */
  const reservedByPayer = new Map<string, bigint>()
  const add = (map: Map<string, bigint>, key: string, amount: bigint) => {
    const next = (map.get(key) ?? 0n) + amount
    if (next === 0n) map.delete(key)
    else map.set(key, next)
  }

  /** Per payer, the admission running or last queued: the next one starts after it settles. */
  const withPayerLock = createKeyedLock()

  /**
   * Per channel, the last voucher whose ECDSA signature recovered its payer: the same voucher again (a
   * payer's concurrent requests carry the one for the work done so far) needs no second recovery. Only
   * ECDSA is remembered: an EIP-1271 answer may change, so such vouchers are asked every time.
   */
  const ecdsaVerified = new Map<string, { cumulative: bigint; signature: string }>()
  async function checkSignature(voucher: Voucher, signature: Hex, key: string): Promise<boolean> {
    let digest: Hex
    try {
      digest = paymentsDigest(options.chainId, options.payments, 'Voucher', voucher)
    } catch {
      return false
    }
    const common = { signer: voucher.payer, digest, signature }
    if (await isValidSignatureNow(common)) {
      if (ecdsaVerified.size >= maxRemembered && !ecdsaVerified.has(key)) ecdsaVerified.clear()
      ecdsaVerified.set(key, { cumulative: voucher.cumulativeAmount, signature: signature.toLowerCase() })
      return true
    }
    // Not an ECDSA signature of the payer: the contract's rule then asks the payer's code (EIP-1271).
    return (
      options.signatureClient !== undefined &&
      isValidSignatureNow({ ...common, client: options.signatureClient })
    )
  }

  return {
    /**
     * Checks the voucher header for a request on `modelId` that may cost up to `maxCost`.
     * @throws PaymentError 400 invalid_request (malformed header), or 402 with code voucher_missing |
     *   voucher_wrong_channel | voucher_invalid_signature | voucher_lowered | voucher_stale |
     *   credit_limit_exceeded | deposit_insufficient
     */
    async admit(header: string | undefined, modelId: Hex, maxCost: bigint): Promise<Admission> {
      if (!header) {
        throw paymentRequired(
          'voucher_missing',
          'This provider is paid per request: send a signed voucher in the x-infermesh-voucher header (cumulative 0 on a new channel).',
        )
      }
      let signed: ReturnType<typeof decodeSignedVoucher>
      try {
        signed = decodeSignedVoucher(header)
      } catch (cause) {
        throw new PaymentError(`The voucher header is malformed: ${(cause as Error).message}`, {
          status: 400,
          code: 'invalid_request',
          param: voucherHeader,
          cause,
        })
      }
      const { voucher, signature } = signed
      if (!isAddressEqual(voucher.provider, options.provider)) {
        throw paymentRequired(
          'voucher_wrong_channel',
          `The voucher pays provider ${voucher.provider}; this provider is ${options.provider}.`,
        )
      }
      if (voucher.modelId.toLowerCase() !== modelId.toLowerCase()) {
        throw paymentRequired(
          'voucher_wrong_channel',
          `The voucher is for model ${voucher.modelId}; the request is for model ${modelId}.`,
        )
      }
      const id = modelId.toLowerCase() as Hex
      const key = `${voucher.payer}|${id}`
      const known = ecdsaVerified.get(key)
      const seen =
        known !== undefined &&
        known.cumulative === voucher.cumulativeAmount &&
        known.signature === signature.toLowerCase()
      if (!seen && !(await checkSignature(voucher, signature, key))) {
        throw paymentRequired(
          'voucher_invalid_signature',
          `The voucher is not signed by its payer ${voucher.payer} for chain ${options.chainId} and Payments ${options.payments}.`,
        )
      }

      const payer = voucher.payer
      // Read before taking the lock: a chain read can be slow, and the value is cached anyway.
      const available = await options.availableAllocation(payer)
      if (available === 0n) {
        throw paymentRequired(
          'deposit_insufficient',
          `Payer ${payer} has nothing allocated to provider ${options.provider} in Payments: allocate part of its deposit to this provider.`,
        )
      }
      // One admission per payer at a time, so concurrent requests see each other's reservations.
      return withPayerLock(payer, async () => {
        // Read before the ledger: a request billed meanwhile is then counted in flight or in `unpaid`.
        const inFlight = reservedByPayer.get(payer) ?? 0n
        const channel = await ledger.get(payer, id)
        if (voucher.cumulativeAmount < channel.voucher) {
          throw paymentRequired(
            'voucher_lowered',
            `The voucher's cumulative ${voucher.cumulativeAmount} is below the ${channel.voucher} already signed for this channel.`,
          )
        }
        const totals = await ledger.payerTotals(payer)
        // The totals as they would be with this voucher stored (saveVoucher adopts a voucher above `owed`).
        const raises = voucher.cumulativeAmount > channel.voucher
        const max = (a: bigint, b: bigint) => (a > b ? a : b)
        const owedAfter = raises ? max(channel.owed, voucher.cumulativeAmount) : channel.owed
        const voucherAfter = raises ? voucher.cumulativeAmount : channel.voucher
        const unpaid =
          totals.unpaid - max(channel.owed - channel.voucher, 0n) + max(owedAfter - voucherAfter, 0n)
        const owedOnChain =
          totals.exposure -
          (max(channel.owed, channel.voucher) - channel.redeemed) +
          (owedAfter - channel.redeemed)
        const balances = () => ({
          owed: owedAfter.toString(),
          vouchered: voucherAfter.toString(),
          unpaid: unpaid.toString(),
          creditLimit: creditLimit.toString(),
        })
        if (unpaid > creditLimit) {
          throw paymentRequired(
            'voucher_stale',
            `Payer ${payer} has ${unpaid} of completed work not covered by vouchers, above this provider's credit limit of ${creditLimit}: send a voucher for the last receipt (cumulative ${owedAfter} on this channel).`,
            balances(),
          )
        }
        const exposure = owedOnChain + inFlight + maxCost
        if (available < exposure) {
          throw paymentRequired(
            'deposit_insufficient',
            `Payer ${payer} has ${available} allocated to this provider in Payments (not being released), less than the ${exposure} it would owe with this request: allocate more.`,
            balances(),
          )
        }

        if (unpaid + inFlight + maxCost > creditLimit) {
          throw paymentRequired(
            'credit_limit_exceeded',
            `Unpaid work (${unpaid}) plus requests in flight (${inFlight}) and this request (up to ${maxCost}) would exceed this provider's credit limit of ${creditLimit}: wait for answers and pay for them, or lower max_tokens.`,
            balances(),
          )
        }
        // Every check passed: only now is the voucher stored (and redeemable). The ledger counts it at
        // once and commits it before any receipt that follows (see createSqlChannelLedger).
        const durable = raises
          ? ledger.saveVoucher(payer, id, voucher.cumulativeAmount, signature).then(() => {})
          : Promise.resolve()
        durable.catch(() => {}) // awaited by whoever needs it; never an unhandled rejection

        add(reservedByPayer, payer, maxCost)
        let released = false
        return {
          payer,
          durable,
          release: () => {
            if (released) return
            released = true
            add(reservedByPayer, payer, -maxCost)
          },
        }
      })
    },
  }
}

export type PaymentGate = ReturnType<typeof createPaymentGate>
