import {
  computeCost,
  decodeSignedReceipt,
  encodeSignedVoucher,
  type Receipt,
  signVoucher,
  verifyReceipt,
} from '@infermesh/protocol'
import { type Address, type Hex, isAddressEqual, type LocalAccount } from 'viem'
import { type RequestBounds, worstCaseCost } from '../cost/worstCase.js'
import { PaymentError } from '../PaymentError.js'
import type { Allocator } from './createAllocator.js'
import type { PayerLedger } from './PayerLedger.js'

export type PayerOptions = {
  /** The payer's key: it signs vouchers and must be the payer every receipt bills. */
  account: LocalAccount
  chainId: number
  /** The Payments contract whose EIP-712 domain vouchers and receipts are signed in. */
  payments: Address
  /** Where the billed total of each channel is kept (see `createSqlPayerLedger`). */
  ledger: PayerLedger
  /**
   * The most abort allowance one channel may hold (what a provider's `voucher_stale` claim can add
   * beyond verified receipts). Default: no cap beyond the sum of the aborted requests' worst cases.
   */
  abortAllowanceCap?: bigint
  /**
   * Keeps what the payer owes each provider within its allocation on Payments (createAllocator);
   * absent: every provider counts as payable (the caller checks allocations itself).
   */
  allocator?: Pick<Allocator, 'canPay' | 'done'>
}

/** The offer a request was sent under: which channel it bills and the prices a receipt may charge. */
export type PayerOffer = {
  provider: Address
  modelId: Hex
  /** MESH wei per 1M input tokens. */
  pricePerMInput: bigint
  /** MESH wei per 1M output tokens. */
  pricePerMOutput: bigint
}

/** What the payer expects a receipt to say about the request it sent. */
export type ReceiptExpectation = {
  offer: PayerOffer
  requestHash: Hex
  /** The hash of the answer received, when the whole answer was read. */
  responseHash?: Hex
  /** The token bounds of the request as sent (requestBounds): a receipt beyond them is refused. */
  bounds: RequestBounds
  /** The counts the answer's `usage` reports, when it has one: the receipt must say the same. */
  usage?: { inputTokens: bigint; outputTokens: bigint } | undefined
}

/** How far a receipt's `servedAt` may be from the payer's clock, either side, in seconds. */
const maxServedAtSkew = 300n

/** A provider broke the protocol (bad receipt): not the customer's problem, but not paid. */
const badReceipt = (provider: Address, why: string) =>
  new PaymentError(`Provider ${provider} sent an unacceptable receipt: ${why}.`, {
    status: 502,
    code: 'bad_receipt',
    retryable: true,
  })

/**
 * The payer's side of the post-pay rule (DESIGN rule 2): signs each request's voucher for what
 * verified receipts say is owed on the channel (kept in the ledger, so a restart never reuses or
 * lowers a cumulative), and checks every receipt before adding its cost: the provider's signature,
 * this payer, the channel, the hash of the request sent (and of the answer, when known), and a cost
 * within the offer. Gateways pay with it, and so do validators' probes.
 *
 * @example
 * const payer = createPayer({ account, chainId, payments, ledger: await createSqlPayerLedger(db) })
 * const headers = { [voucherHeader]: await payer.voucherHeader(offer.provider, offer.modelId) }
 * const receipt = await payer.acceptReceipt(response.headers.get(receiptHeader), { offer, requestHash })
 */
export function createPayer(options: PayerOptions) {
  const { account, ledger } = options
  /**
   * Per channel: the billed total this process last saw and the voucher signed for it. Requests in a
   * burst share one signature; the ledger is read again when a provider says the voucher is behind
   * (another process on the same ledger billed more).
   */
  const channels = new Map<string, { billed: bigint; header?: string }>()
  const channelKey = (provider: Address, modelId: Hex) => `${provider.toLowerCase()}:${modelId.toLowerCase()}`
  const remember = (provider: Address, modelId: Hex, billed: bigint) => {
    const key = channelKey(provider, modelId)
    const channel = channels.get(key)
    // Billed totals only grow: keep whichever is higher.
    if (!channel || billed > channel.billed) channels.set(key, { billed })
  }
  /**
   * Per channel: the ledger write under way and the costs of receipts accepted meanwhile, which go to
   * the ledger together in the next write (group commit). Each receipt is still in the ledger before
   * acceptReceipt returns; concurrent receipts cost one write, and the next voucher one signature.
   */
  type ChannelWrites = { running: Promise<bigint>; next?: { cost: bigint; written: Promise<bigint> } }
  const writes = new Map<string, ChannelWrites>()
  const addBilled = (provider: Address, modelId: Hex, cost: bigint): Promise<bigint> => {
    const key = channelKey(provider, modelId)
    const write = (state: ChannelWrites, amount: bigint) => {
      const running = ledger.addBilled(provider, modelId, amount)
      state.running = running
      const done = () => {
        if (state.running === running && !state.next) writes.delete(key)
      }
      running.then(done, done)
      return running
    }
    const state = writes.get(key)
    if (!state) {
      const fresh: ChannelWrites = { running: Promise.resolve(0n) }
      writes.set(key, fresh)
      return write(fresh, cost)
    }
    if (state.next) {
      state.next.cost += cost
      return state.next.written
    }
    const next = { cost, written: Promise.resolve(0n) }
    next.written = state.running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        state.next = undefined
        return write(state, next.cost)
      })
    state.next = next
    return next.written
  }
  return {
    address: account.address,
    /** The ledger this payer keeps its channels in (e.g. to list them when handing in vouchers). */
    ledger,

    /**
     * Whether `provider` can be paid `worstCase` more within its allocation (allocating or topping up
     * first when needed); if so it is reserved until `paid`. A provider that cannot be paid is never
     * sent a request.
     */
    async canPay(provider: Address, worstCase: bigint): Promise<boolean> {
      return options.allocator ? options.allocator.canPay(provider, worstCase) : true
    },
    /** Ends what canPay reserved for one request (settled, aborted or given up). */
    paid(provider: Address, worstCase: bigint): void {
      options.allocator?.done(provider, worstCase)
    },

    /** The voucher header for a request on the channel (provider, model); `fresh` re-reads the ledger. */
    async voucherHeader(provider: Address, modelId: Hex, fresh = false): Promise<string> {
      const key = channelKey(provider, modelId)
      if (!channels.has(key) || fresh) remember(provider, modelId, await ledger.billed(provider, modelId))
      const channel = channels.get(key) as { billed: bigint; header?: string }
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

    /**
     * Verifies an encoded receipt against what was sent and adds its cost to the channel.
     *
     * @throws PaymentError `bad_receipt` (502, retryable) when the receipt is missing, unreadable,
     * not the provider's, for another payer, channel or request, bills more tokens than the request
     * allowed (output beyond min(max_tokens, context), input beyond what the prompt can tokenize to),
     * counts other than the answer's `usage`, costs more than the offer or the request's worst case, or
     * says it was served more than 300 s from this payer's clock (`servedAt`).
     */
    async acceptReceipt(encoded: string | undefined | null, expected: ReceiptExpectation): Promise<Receipt> {
      const { offer } = expected
      if (!encoded) throw badReceipt(offer.provider, 'none was sent')
      let signed: ReturnType<typeof decodeSignedReceipt>
      try {
        signed = decodeSignedReceipt(encoded)
      } catch (error) {
        throw badReceipt(offer.provider, (error as Error).message)
      }
      const { receipt, signature } = signed
      const valid = await verifyReceipt({
        chainId: options.chainId,
        payments: options.payments,
        receipt,
        signature,
      })
      if (!valid) throw badReceipt(offer.provider, 'the signature is not the provider’s')
      if (!isAddressEqual(receipt.provider, offer.provider))
        throw badReceipt(offer.provider, `it names provider ${receipt.provider}`)
      if (!isAddressEqual(receipt.payer, account.address))
        throw badReceipt(offer.provider, `it bills payer ${receipt.payer}`)
      if (receipt.modelId.toLowerCase() !== offer.modelId.toLowerCase())
        throw badReceipt(offer.provider, `it is for model ${receipt.modelId}`)
      if (receipt.requestHash !== expected.requestHash)
        throw badReceipt(offer.provider, 'its request hash is not the request sent')
      if (expected.responseHash && receipt.responseHash !== expected.responseHash) {
        throw badReceipt(offer.provider, 'its response hash is not the answer received')
      }
      const now = BigInt(Math.floor(Date.now() / 1000))
      const skew = receipt.servedAt > now ? receipt.servedAt - now : now - receipt.servedAt
      if (skew > maxServedAtSkew)
        throw badReceipt(
          offer.provider,
          `it says it was served at ${receipt.servedAt}, ${skew} s from this payer's clock (${now}); at most ${maxServedAtSkew} s is accepted`,
        )
      const { bounds, usage } = expected
      if (receipt.outputTokens > bounds.maxOutputTokens)
        throw badReceipt(
          offer.provider,
          `it bills ${receipt.outputTokens} output tokens, more than the ${bounds.maxOutputTokens} the request allowed`,
        )
      if (receipt.inputTokens > bounds.maxInputTokens)
        throw badReceipt(
          offer.provider,
          `it bills ${receipt.inputTokens} input tokens, more than the prompt can tokenize to (${bounds.maxInputTokens})`,
        )
      if (usage && (usage.inputTokens !== receipt.inputTokens || usage.outputTokens !== receipt.outputTokens))
        throw badReceipt(
          offer.provider,
          `its counts (${receipt.inputTokens} in, ${receipt.outputTokens} out) differ from the answer's usage (${usage.inputTokens} in, ${usage.outputTokens} out)`,
        )
      const fair = computeCost({
        inputTokens: receipt.inputTokens,
        outputTokens: receipt.outputTokens,
        pricePerMInput: offer.pricePerMInput,
        pricePerMOutput: offer.pricePerMOutput,
      })
      if (receipt.cost > fair)
        throw badReceipt(offer.provider, `it costs ${receipt.cost}, more than the offer's ${fair}`)
      const worst = worstCaseCost(bounds, offer)
      if (receipt.cost > worst)
        throw badReceipt(
          offer.provider,
          `it costs ${receipt.cost}, more than the request's worst case ${worst}`,
        )
      if (receipt.cumulativeAmount < receipt.cost)
        throw badReceipt(offer.provider, 'its cumulative is below its cost')
      remember(offer.provider, offer.modelId, await addBilled(offer.provider, offer.modelId, receipt.cost))
      return receipt
    },

    /**
     * Remembers that a request on the channel was aborted before its receipt was read: the provider
     * bills what it generated, so a later claim may exceed what this payer saw by at most `worstCase`.
     */
    async addAbortAllowance(provider: Address, modelId: Hex, worstCase: bigint): Promise<void> {
      await ledger.addAbortAllowance(provider, modelId, worstCase, options.abortAllowanceCap)
    },

    /**
     * A provider says `owed` is owed on the channel (its `voucher_stale` refusal): catches up when the
     * channel's abort allowance covers the difference. Returns the new billed total (the next voucher
     * signs it), or undefined when the claim is more than aborts could explain.
     */
    async resync(provider: Address, modelId: Hex, owed: bigint): Promise<bigint | undefined> {
      const billed = await ledger.resync(provider, modelId, owed)
      if (billed !== undefined) remember(provider, modelId, billed)
      return billed
    },
  }
}

export type Payer = ReturnType<typeof createPayer>
