import { ProviderError } from '../errors.js'

/**
 * A 400 `unsupported_parameter` naming the request parameter this provider does not honour.
 *
 * @example
 * throw unsupportedParameter('tools', 'tools (function calling) are not supported yet.')
 */
export function unsupportedParameter(param: string, message: string): ProviderError {
  return new ProviderError(message, { status: 400, code: 'unsupported_parameter', param })
}
