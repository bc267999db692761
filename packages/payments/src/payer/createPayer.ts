import {
  computeCost,
  decodeSignedReceipt,
  encodeSignedVoucher,
  type Receipt,
  signVoucher,
  verifyReceipt,
} from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem'
import { GatewayError } from '../errors.js'
import type { Candidate } from '../routing/types.js'
import type { GatewayStore } from '../store/createGatewayStore.js'

export type PayerOptions = {
  /** The gateway deployment's payer key. */
  account: LocalAccount
  chainId: number
  payments: Address
  store: GatewayStore
}

/** What the gateway expects a receipt to say about the request it sent. */
export type ReceiptExpectation = {
  candidate: Candidate
  requestHash: Hex
  responseHash?: Hex
}

/** A provider broke the protocol (bad receipt): not the customer's problem, but not paid. */
const badReceipt = (provider: Address, why: string) =>
  new GatewayError(`Provider ${provider} sent an unacceptable receipt: ${why}.`, {
    status: 502,
    code: 'bad_receipt',
    retryable: true,
  })

/**
 * The gateway's side of the post-pay rule: signs each request's voucher for what verified receipts
 * say is owed on the channel (persisted, so a restart never reuses or lowers a cumulative), and
 * checks every receipt before adding its cost: the provider's signature, this payer, the channel,
 * the hash of the request sent (and of the answer, when known), and a cost within the offer.
 */
export function createPayer(options: PayerOptions) {
  const { account, store } = options
  /**
   * Per channel: the billed total this process last saw and the voucher signed for it. Requests in a
   * burst share one signature; the database is read again when a provider says the voucher is behind
   * (another gateway on the same database billed more).
   */
  const channels = new Map<string, { billed: bigint; header?: string }>()
  const channelKey = (provider: Address, modelId: Hex) => `${provider.toLowerCase()}:${modelId.toLowerCase()}`
  return {
    address: account.address,

    /** The voucher header for a request on the channel (provider, model); `fresh` re-reads the database. */
    async voucherHeader(provider: Address, modelId: Hex, fresh = false): Promise<string> {
      const key = channelKey(provider, modelId)
      let channel = channels.get(key)
      if (!channel || fresh) {
        const billed = await store.billed(provider, modelId)
        // Billed totals only grow: keep whichever is higher.
        if (!channel || billed > channel.billed) channel = { billed }
        channels.set(key, channel)
      }
      if (channel.header) return channel.header
      const voucher = { payer: account.address, provider, modelId, cumulativeAmount: channel.billed }
      const signature = await signVoucher({
        account,
        chainId: options.chainId,
        payments: options.payments,
        voucher,
      })
      channel.header = encodeSignedVoucher({ voucher, signature })
      return channel.header
    },

    /** Verifies an encoded receipt against what was sent and adds its cost to the channel. */
    async acceptReceipt(encoded: string | undefined | null, expected: ReceiptExpectation): Promise<Receipt> {
      const { candidate } = expected
      if (!encoded) throw badReceipt(candidate.provider, 'none was sent')
      let signed: ReturnType<typeof decodeSignedReceipt>
      try {
        signed = decodeSignedReceipt(encoded)
      } catch (error) {
        throw badReceipt(candidate.provider, (error as Error).message)
      }
      const { receipt, signature } = signed
      const valid = await verifyReceipt({
        chainId: options.chainId,
        payments: options.payments,
        receipt,
        signature,
      })
      if (!valid) throw badReceipt(candidate.provider, 'the signature is not the provider’s')
      if (!isAddressEqual(receipt.provider, candidate.provider))
        throw badReceipt(candidate.provider, `it names provider ${receipt.provider}`)
      if (!isAddressEqual(receipt.payer, account.address))
        throw badReceipt(candidate.provider, `it bills payer ${receipt.payer}`)
      if (receipt.modelId.toLowerCase() !== candidate.modelId.toLowerCase())
        throw badReceipt(candidate.provider, `it is for model ${receipt.modelId}`)
      if (receipt.requestHash !== expected.requestHash)
        throw badReceipt(candidate.provider, 'its request hash is not the request sent')
      if (expected.responseHash && receipt.responseHash !== expected.responseHash) {
        throw badReceipt(candidate.provider, 'its response hash is not the answer received')
      }
      const fair = computeCost({
        inputTokens: receipt.inputTokens,
        outputTokens: receipt.outputTokens,
        pricePerMInput: candidate.pricePerMInput,
        pricePerMOutput: candidate.pricePerMOutput,
      })
      if (receipt.cost > fair)
        throw badReceipt(candidate.provider, `it costs ${receipt.cost}, more than the offer's ${fair}`)
      if (receipt.cumulativeAmount < receipt.cost)
        throw badReceipt(candidate.provider, 'its cumulative is below its cost')
      const billed = await store.addBilled(candidate.provider, candidate.modelId, receipt.cost)
      const key = channelKey(candidate.provider, candidate.modelId)
      const channel = channels.get(key)
      if (!channel || billed > channel.billed) channels.set(key, { billed })
      return receipt
    },
  }
}

export type Payer = ReturnType<typeof createPayer>
