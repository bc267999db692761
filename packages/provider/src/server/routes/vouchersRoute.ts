import { decodeSignedVoucher, voucherHeader } from '@infermesh/protocol'
import type { FastifyInstance } from 'fastify'
import type { Hex } from 'viem'
import { invalidRequest } from '../invalidRequest.js'
import type { ProviderServerOptions } from '../ProviderServerOptions.js'

/**
 * `POST /infermesh/v1/vouchers` (InferMesh extension): hand in a voucher without a request, e.g. the
 * last one before a gateway stops, so the provider can redeem all completed work. Answers the
 * channel's `{ payer, modelId, owed, voucher }`; the voucher goes through the same checks as on a
 * request (PROTOCOL.md §8.2), with nothing reserved.
 */
export function vouchersRoute(app: FastifyInstance, options: ProviderServerOptions): void {
  app.post('/infermesh/v1/vouchers', async (request) => {
    const header = request.headers[voucherHeader] as string | undefined
    const modelId = header === undefined ? undefined : voucherModelId(header)
    const model = options.models.find((m) => modelId === m.modelId.toLowerCase())
    if (!model)
      throw invalidRequest('The voucher names no model this provider serves.', null, 'voucher_wrong_channel')
    const admission = await options.gate.admit(header, model.modelId, 0n)
    admission.release()
    await admission.durable // answered only once the voucher handed in is stored for good
    const channel = await options.store.get(admission.payer, model.modelId.toLowerCase() as Hex)
    return {
      payer: channel.payer,
      modelId: channel.modelId,
      owed: channel.owed.toString(),
      voucher: channel.voucher.toString(),
    }
  })
}

/** The model id a voucher header names (lower case), or undefined when it does not decode. */
function voucherModelId(header: string): string | undefined {
  try {
    return decodeSignedVoucher(header).voucher.modelId.toLowerCase()
  } catch {
    return undefined
  }
}
