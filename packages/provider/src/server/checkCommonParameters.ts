import { invalidRequest } from './invalidRequest.js'
import { unsupportedParameter } from './unsupportedParameter.js'

/**
 * Refuses the chat and completion parameters this provider does not honour (`n` > 1, `logprobs`)
 * with 400 `unsupported_parameter`, and `stream_options` without `stream`, rather than ignoring them.
 */
export function checkCommonParameters(body: {
  n?: number | null
  logprobs?: unknown
  stream_options?: unknown
  stream?: boolean | null
}): void {
  if (body.n && body.n > 1)
    throw unsupportedParameter('n', 'n > 1 is not supported yet: send one request per completion.')
  if (body.logprobs)
    throw unsupportedParameter('logprobs', 'logprobs are not supported by this provider yet.')
  if (body.stream_options && !body.stream)
    throw invalidRequest('`stream_options` is only allowed when `stream` is true.', 'stream_options')
}
