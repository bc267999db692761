import {
  computeCost,
  encodeSignedReceipt,
  hashResponse,
  hashTokenIds,
  type Receipt,
  signReceipt,
} from '@infermesh/protocol'
import { type Hex, zeroHash } from 'viem'
import type { ProviderServerOptions, ServedModel } from './ProviderServerOptions.js'
import type { Admitted } from './withAdmission.js'

export type BillReceiptParams = {
  admitted: Pick<Admitted, 'payer' | 'release'>
  model: ServedModel
  /** Hashed before the request was admitted (`hashRequestBody`), so billing cannot fail on the body. */
  requestHash: Hex
  responseText: string
  inputTokens: number
  outputTokens: number
  /**
   * The generated token ids in order (the receipt's `tokensHash`); `[]` when nothing is generated
   * (embeddings); undefined when the backend cannot report them: the receipt then signs bytes32(0).
   */
  tokenIds: readonly number[] | undefined
}

/**
 * Bills finished work: adds its cost to the channel's owed amount and signs the receipt (v2, `servedAt`
 * = now, when the answer finished) for the new cumulative in one durable step, counts it in the metrics, and returns the receipt encoded for the
 * wire. The payer's credit reservation is released however this ends, once the receipt is stored
 * (its cost is then in the payer's unpaid work) or has failed to be.
 *
 * @example
 * const receipt = await billReceipt(options, {
 *   admitted, model, requestHash, responseText, inputTokens, outputTokens, tokenIds,
 * })
 */
export async function billReceipt(
  options: Pick<ProviderServerOptions, 'store' | 'account' | 'chainId' | 'payments' | 'metrics'>,
  params: BillReceiptParams,
): Promise<string> {
  const { admitted, model } = params
  try {
    const cost = computeCost({
      inputTokens: BigInt(params.inputTokens),
      outputTokens: BigInt(params.outputTokens),
      pricePerMInput: model.pricePerMInput,
      pricePerMOutput: model.pricePerMOutput,
    })
    const base = {
      requestHash: params.requestHash,
      responseHash: hashResponse(params.responseText),
      tokensHash: params.tokenIds ? hashTokenIds(params.tokenIds) : zeroHash,
      modelId: model.modelId,
      payer: admitted.payer,
      provider: options.account.address,
      inputTokens: BigInt(params.inputTokens),
      outputTokens: BigInt(params.outputTokens),
      servedAt: BigInt(Math.floor(Date.now() / 1000)),
      cost,
    }
    let receipt: Receipt | undefined
    const { signature } = await options.store.addReceipt(base, async (cumulativeAmount) => {
      receipt = { ...base, cumulativeAmount }
      return signReceipt({
        account: options.account,
        chainId: options.chainId,
        payments: options.payments,
        receipt,
      })
    })
    if (!receipt) throw new Error('the channel store stored a receipt without signing it')
    const { metrics } = options
    metrics.tokensIn.inc({ model: model.name }, params.inputTokens)
    metrics.tokensOut.inc({ model: model.name }, params.outputTokens)
    metrics.earnings.inc({ model: model.name }, Number(cost))
    return encodeSignedReceipt({ receipt, signature })
  } finally {
    admitted.release()
  }
}
