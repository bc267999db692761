import { HttpError } from '@infermesh/node'

/**
 * Every error the provider package throws: an `HttpError` the daemon kit answers in OpenAI's shape
 * `{ error: { message, type, param, code, infermesh? } }` with `status`; `wire` holds the
 * `error.infermesh` fields (e.g. the channel's balances on a 402).
 */
export class ProviderError extends HttpError {
  override name = 'ProviderError' as const
}
