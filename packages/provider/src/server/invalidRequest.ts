import { ProviderError } from '../errors.js'

/**
 * A 400 for a request the provider cannot serve as sent; `param` names the field at fault.
 *
 * @example
 * throw invalidRequest('`stream_options` is only allowed when `stream` is true.', 'stream_options')
 */
export function invalidRequest(
  message: string,
  param: string | null = null,
  code = 'invalid_request',
): ProviderError {
  return new ProviderError(message, { status: 400, code, param })
}
