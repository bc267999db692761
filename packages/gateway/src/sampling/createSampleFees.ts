import { createKeyedLock } from '@infermesh/node/lock'
import type { Allocator, PayerLedger } from '@infermesh/payments'
import { encodeSignedVoucher, signVoucher, VERIFICATION_MODEL_ID } from '@infermesh/protocol'
import type { Address, LocalAccount } from 'viem'

export type SampleFeesOptions = {
  /** The payer key: the voucher's payer, which must be the sampled receipt's payer. */
  account: LocalAccount
  chainId: number
  payments: Address
  /** The payer's ledger (the gateway's): each validator's channel on `VERIFICATION_MODEL_ID` lives there. */
  ledger: PayerLedger
  /** Keeps what the payer owes each validator within its allocation (allocating lazily), as for providers. */
  allocator?: Pick<Allocator, 'canPay' | 'done'>
  /** MESH wei per sample. */
  fee: bigint
}

/**
 * What a validator did with a sample sent with a fee: `accepted` (it keeps the voucher), `refused` (a
 * 4xx: by protocol it stored nothing), or `unknown` (a 5xx, a timeout, a broken connection: it may
 * hold the voucher).
 */
export type SampleDelivery = 'accepted' | 'refused' | 'unknown'

/** How a paid attempt ended: the delivery, or `unpayable` when the allocation to the validator is short. */
export type PaidAttempt<T> = { kind: 'sent'; result: T; reused: boolean } | { kind: 'unpayable' }

/**
 * Pays validators per sample with the payer's own vouchers (PROTOCOL: verification fees, part 2): each
 * sample carries a voucher on the channel (payer, validator, `VERIFICATION_MODEL_ID`) whose cumulative is
 * one `fee` above the last one the validator took.
 *
 * The gateway never signs more than its ledger records as owed: the fee is added to the channel
 * (`addBilled`) before the voucher is signed, because whatever a validator answers, it can redeem the
 * voucher it received. So a validator that takes the voucher and answers 500 holds exactly what the ledger
 * says; such an attempt counts as paid. A validator that refuses (4xx) stored nothing by protocol, so
 * the voucher it refused stays a credit: the next sample to it carries the same cumulative, and a refusal
 * costs nothing. A credit is spent when the validator takes it, dropped when it refuses it with
 * `sample_fee_required` (it holds that voucher already — it refused after taking it, or another gateway
 * process on the same ledger paid it more), and lost on restart (then one fee is paid twice: bounded).
 * Attempts to one validator run one at a time, so two samples never carry the same new cumulative.
 *
 * @example
 * const fees = createSampleFees({ account, chainId, payments, ledger, allocator, fee: 10n ** 16n })
 * const outcome = await fees.attempt(validator, async (voucher) => send(voucher))
 */
export function createSampleFees(options: SampleFeesOptions) {
  const { ledger, fee } = options
  /** Per validator: a cumulative signed, recorded as owed, and refused (so not held by the validator). */
  const credits = new Map<string, bigint>()
  const serial = createKeyedLock()

  return {
    fee,
    /**
     * Sends one sample to `validator` with a fee voucher: `send` gets the encoded voucher and says what
     * the validator did with it (see SampleDelivery); a throw counts as `unknown` and is rethrown.
     * Resolves `unpayable`, without calling `send`, when the payer cannot allocate the fee to the validator.
     */
    async attempt<T extends { delivery: SampleDelivery; code?: string | undefined }>(
      validator: Address,
      send: (voucher: string) => Promise<T>,
    ): Promise<PaidAttempt<T>> {
      const key = validator.toLowerCase()
      return serial(key, async () => {
        if (options.allocator && !(await options.allocator.canPay(validator, fee)))
          return { kind: 'unpayable' }
        let cumulative: bigint | undefined
        let sent = false
        try {
          const credit = credits.get(key)
          credits.delete(key)
          const reused = credit !== undefined
          // Recorded as owed before it is signed: the validator can redeem whatever it was sent.
          cumulative = credit ?? (await ledger.addBilled(validator, VERIFICATION_MODEL_ID, fee))
          const voucher = {
            payer: options.account.address,
            provider: validator,
            modelId: VERIFICATION_MODEL_ID,
            cumulativeAmount: cumulative,
          }
          const signature = await signVoucher({
            account: options.account,
            chainId: options.chainId,
            payments: options.payments,
            voucher,
          })
          const encoded = encodeSignedVoucher({ voucher, signature })
          sent = true
          const result = await send(encoded)
          const heldAlready = reused && result.code === 'sample_fee_required'
          if (result.delivery === 'refused' && !heldAlready) credits.set(key, cumulative)
          return { kind: 'sent', result, reused }
        } catch (error) {
          // Recorded but never sent (signing failed): the next sample may carry it.
          if (!sent && cumulative !== undefined) credits.set(key, cumulative)
          throw error
        } finally {
          options.allocator?.done(validator, fee)
        }
      })
    },
    /** The cumulative a validator refused and the next sample to it will carry again, if any. */
    creditOf: (validator: Address): bigint | undefined => credits.get(validator.toLowerCase()),
  }
}

export type SampleFees = ReturnType<typeof createSampleFees>
