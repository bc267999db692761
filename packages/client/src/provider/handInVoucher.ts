import { voucherHeader } from '@infermesh/protocol'
import { peerFetch } from '../http/peerFetch.js'
import type { ProviderClientConfig } from './postToProvider.js'
import { type ProviderRefusal, readProviderRefusal } from './readProviderRefusal.js'

/** Which provider, which voucher, how long to wait. */
export type HandInVoucherParameters = {
  endpoint: string
  /** The encoded signed voucher (`encodeSignedVoucher`). */
  voucher: string
  /** The whole call, in milliseconds. */
  deadlineMs: number
  signal?: AbortSignal
}

/**
 * Hands a provider a voucher without a request (`POST /infermesh/v1/vouchers`), e.g. the last one
 * before a gateway stops, so the provider can redeem all completed work. Returns `accepted`, or the
 * provider's refusal reduced to its safe fields; a provider that cannot be reached is a PeerError.
 *
 * @example
 * ```ts
 * const result = await handInVoucher(config, { endpoint, voucher, deadlineMs: 5_000 })
 * if (result.kind === 'refusal') log.warn({ msg: 'provider refused a voucher', code: result.code })
 * ```
 */
export async function handInVoucher(
  config: ProviderClientConfig,
  parameters: HandInVoucherParameters,
): Promise<{ kind: 'accepted'; status: number } | ProviderRefusal> {
  const response = await peerFetch(`${parameters.endpoint.replace(/\/+$/, '')}/infermesh/v1/vouchers`, {
    method: 'POST',
    headers: { [voucherHeader]: parameters.voucher },
    allowPrivate: config.allowPrivate ?? false,
    deadlineMs: parameters.deadlineMs,
    ...(parameters.signal && { signal: parameters.signal }),
  })
  if (response.status >= 400) return readProviderRefusal(response)
  await response.body?.cancel().catch(() => {})
  return { kind: 'accepted', status: response.status }
}
