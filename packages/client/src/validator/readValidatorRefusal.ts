import { jsonDepthExceeds } from '@infermesh/node'
import { readBoundedText } from '../http/readBoundedText.js'

/**
 * A validator said no (status 400 to 599). Only a `code` of a safe shape is kept, and the start of
 * the validator's message for the operator's log. `retryable` is true for 429 (its queue is full) and
 * 5xx: another validator may take the same call.
 */
export type ValidatorRefusal = {
  kind: 'refusal'
  status: number
  /** The validator's `error.code` when it matches /^[a-z_]{1,64}$/. */
  code: string | undefined
  /** The first 200 characters of the validator's message, for logs only. */
  detail: string | undefined
  retryable: boolean
}

const safeCode = /^[a-z_]{1,64}$/

/**
 * Reads a validator's error answer: at most 64 KiB of it, and only the fields of a safe shape. A body
 * too large, broken off or not JSON leaves just the status.
 *
 * @example
 * ```ts
 * if (response.status >= 400) return readValidatorRefusal(response)
 * ```
 */
export async function readValidatorRefusal(response: Response): Promise<ValidatorRefusal> {
  const refusal: ValidatorRefusal = {
    kind: 'refusal',
    status: response.status,
    code: undefined,
    detail: undefined,
    retryable: response.status === 429 || response.status >= 500,
  }
  let text: string
  try {
    text = await readBoundedText(response, { maxBytes: 64 * 1024 })
  } catch {
    return refusal
  }
  if (jsonDepthExceeds(text, 8)) return refusal
  let error: unknown
  try {
    error = (JSON.parse(text) as { error?: unknown } | null)?.error
  } catch {
    return refusal
  }
  if (error === null || typeof error !== 'object') return refusal
  const { code, message } = error as Record<string, unknown>
  if (typeof code === 'string' && safeCode.test(code)) refusal.code = code
  if (typeof message === 'string') refusal.detail = message.slice(0, 200)
  return refusal
}
