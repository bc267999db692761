import { jsonDepthExceeds } from '@infermesh/node'
import { readBoundedText } from '../http/readBoundedText.js'

/**
 * A provider said no (status 400 to 599). Only fields a peer cannot abuse are kept: a `code` and
 * `param` of a safe shape, the amount `owed` of a 402. `detail` is the start of the provider's own
 * message, for the operator's log only: never show it to a customer.
 */
export type ProviderRefusal = {
  kind: 'refusal'
  status: number
  /** The provider's `error.code` when it matches /^[a-z_]{1,64}$/. */
  code: string | undefined
  /** The provider's `error.param` when it is a short field path. */
  param: string | undefined
  /** `error.infermesh.owed` of a `voucher_stale` refusal, in MESH wei. */
  owed: bigint | undefined
  /** The first 200 characters of the provider's message, for logs only. */
  detail: string | undefined
}

const safeCode = /^[a-z_]{1,64}$/
const safeParam = /^[A-Za-z0-9_.[\]]{1,64}$/
const decimal = /^\d{1,78}$/
const maxRefusalBytes = 64 * 1024

/**
 * Reads a provider's error answer (status 400 to 599): at most 64 KiB of it, and only the fields of a
 * safe shape. A body too large, broken off or not JSON leaves just the status.
 *
 * @example
 * ```ts
 * if (response.status >= 400) return readProviderRefusal(response)
 * ```
 */
export async function readProviderRefusal(response: Response): Promise<ProviderRefusal> {
  const refusal: ProviderRefusal = {
    kind: 'refusal',
    status: response.status,
    code: undefined,
    param: undefined,
    owed: undefined,
    detail: undefined,
  }
  let text: string
  try {
    text = await readBoundedText(response, { maxBytes: maxRefusalBytes })
  } catch {
    return refusal // too large, or it broke off: the status is all that is known
  }
  if (jsonDepthExceeds(text, 8)) return refusal
  let error: unknown
  try {
    error = (JSON.parse(text) as { error?: unknown } | null)?.error
  } catch {
    return refusal
  }
  if (error === null || typeof error !== 'object') return refusal
  const { code, param, message, infermesh } = error as Record<string, unknown>
  if (typeof code === 'string' && safeCode.test(code)) refusal.code = code
  if (typeof param === 'string' && safeParam.test(param)) refusal.param = param
  if (typeof message === 'string') refusal.detail = message.slice(0, 200)
  const owed = (infermesh as { owed?: unknown } | null | undefined)?.owed
  if (typeof owed === 'string' && decimal.test(owed)) refusal.owed = BigInt(owed)
  return refusal
}
