import { createKeyedLock } from '@infermesh/node/lock'
import { type ChannelLedger, createPaymentGate, PaymentError } from '@infermesh/payments'
import {
  decodeSignedVoucher,
  type SignatureRuleClient,
  VERIFICATION_MODEL_ID,
  type Voucher,
  voucherHeader,
} from '@infermesh/protocol'
import { type Address, isAddressEqual } from 'viem'
import { ValidatorError } from '../errors.js'

export type SampleFeeGateOptions = {
  chainId: number
  payments: Address
  /** This validator: a fee voucher must name it as the channel's recipient. */
  validator: Address
  /** Where the latest voucher of each payer is kept (the validator's database) until redeemed. */
  ledger: ChannelLedger
  /** The least a sample must add to its payer's channel, MESH wei. 0: unpaid samples are taken too. */
  minSampleFee: bigint
  /**
   * The payer's allocation to this validator on Payments, minus what it asked to release
   * (createAllocationReader); `invalidate` forgets a cached value.
   */
  availableAllocation: ((payer: Address) => Promise<bigint>) & { invalidate: (payer?: Address) => unknown }
  /** Reads code for the EIP-1271 fallback of the signature rule (contract payers). */
  signatureClient?: SignatureRuleClient
}

/** What a sample paid: the channel's new cumulative and how much it added. */
export type SampleFee = { payer: Address; cumulative: bigint; paid: bigint }

const feeRequired = (message: string, wire?: Record<string, string>) =>
  new ValidatorError(message, {
    status: 402,
    code: 'sample_fee_required',
    type: 'payment_error',
    param: voucherHeader,
    retryable: false,
    ...(wire && { wire }),
  })

/**
 * The validator's side of per-sample fees (verification fees, part 2): a sample's payer pays with a
 * voucher on the Payments channel (payer, this validator, `VERIFICATION_MODEL_ID`), checked the way a
 * provider checks one — @infermesh/payments' payment gate: the payer's signature (the contract's rule),
 * the channel, a cumulative that never goes down and stays within the payer's allocation to this
 * validator — plus what a sample needs: the voucher's payer is the payer the sampled receipt bills (the
 * sample's signer), and it adds at least `minSampleFee` to what this validator holds already. Checks
 * run one at a time per payer, so one voucher can never pay for two samples. A voucher is stored (in the
 * ledger, durably, before `take` resolves) only once every check passed; a refusal stores nothing.
 *
 * Refusals are ValidatorErrors: 402 `sample_fee_required` (missing, short, another payer's or
 * validator's, a bad signature, beyond the allocation), 400 `invalid_request` (an unreadable header),
 * 503 `chain_unavailable` (the allocation could not be read).
 *
 * @example
 * const fees = createSampleFeeGate({ chainId, payments, validator, ledger, minSampleFee, availableAllocation })
 * const fee = await fees.take(request.headers['x-infermesh-voucher'], sample.payer)
 */
export function createSampleFeeGate(options: SampleFeeGateOptions) {
  const { ledger, minSampleFee } = options
  const gate = createPaymentGate({
    chainId: options.chainId,
    payments: options.payments,
    provider: options.validator,
    ledger,
    // A sample's voucher pays in advance (owed = voucher): no unpaid work is ever extended.
    creditLimit: 0n,
    availableAllocation: options.availableAllocation,
    signatureClient: options.signatureClient,
  })
  const perPayer = createKeyedLock()
  const admit = async (header: string, retried = false): Promise<void> => {
    try {
      const admission = await gate.admit(header, VERIFICATION_MODEL_ID, 0n)
      admission.release()
      await admission.durable
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error
      const payer = (() => {
        try {
          return decodeSignedVoucher(header).voucher.payer
        } catch {
          return undefined
        }
      })()
      // A payer that just allocated (or topped up) may be behind a cached allocation: read it again once.
      if (error.code === 'deposit_insufficient' && !retried && payer) {
        options.availableAllocation.invalidate(payer)
        return admit(header, true)
      }
      if (error.status === 402) throw feeRequired(`The sample fee is refused: ${error.message}`, error.wire)
      if (error.status === 400)
        throw new ValidatorError(error.message, {
          status: 400,
          code: 'invalid_request',
          param: voucherHeader,
        })
      throw new ValidatorError(error.message, {
        status: 503,
        code: 'chain_unavailable',
        retryable: true,
        cause: error,
      })
    }
  }

  return {
    minSampleFee,
    /**
     * Checks the fee voucher sent with a sample whose receipt bills `payer` and stores it. Resolves
     * undefined for a sample sent without a voucher when no fee is required.
     */
    async take(header: string | undefined, payer: Address): Promise<SampleFee | undefined> {
      if (header === undefined || header === '') {
        if (minSampleFee === 0n) return undefined
        throw feeRequired(
          `This validator is paid per sample: send a voucher in the ${voucherHeader} header on the channel (payer, ${options.validator}, ${VERIFICATION_MODEL_ID}) adding at least ${minSampleFee} MESH wei to the last one it holds.`,
          { minSampleFee: minSampleFee.toString() },
        )
      }
      let voucher: Voucher
      try {
        voucher = decodeSignedVoucher(header).voucher
      } catch (error) {
        throw new ValidatorError((error as Error).message, {
          status: 400,
          code: 'invalid_request',
          param: voucherHeader,
        })
      }
      if (!isAddressEqual(voucher.payer, payer))
        throw feeRequired(
          `The voucher is from payer ${voucher.payer}, but the sampled receipt bills ${payer}: the payer whose receipt it is pays for its sample.`,
        )
      if (!isAddressEqual(voucher.provider, options.validator))
        throw feeRequired(`The voucher pays ${voucher.provider}; this validator is ${options.validator}.`)
      if (voucher.modelId.toLowerCase() !== VERIFICATION_MODEL_ID)
        throw feeRequired(
          `The voucher is for model ${voucher.modelId}; sample fees are paid on ${VERIFICATION_MODEL_ID} (VERIFICATION_MODEL_ID).`,
        )
      return perPayer(voucher.payer, async () => {
        const held = (await ledger.get(voucher.payer, VERIFICATION_MODEL_ID)).voucher
        const paid = voucher.cumulativeAmount - held
        if (paid < minSampleFee)
          throw feeRequired(
            `The voucher's cumulative ${voucher.cumulativeAmount} adds ${paid} to the ${held} this validator holds from payer ${voucher.payer}; a sample must add at least ${minSampleFee}.`,
            { vouchered: held.toString(), minSampleFee: minSampleFee.toString() },
          )
        await admit(header)
        return { payer: voucher.payer, cumulative: voucher.cumulativeAmount, paid }
      })
    },
  }
}

export type SampleFeeGate = ReturnType<typeof createSampleFeeGate>
