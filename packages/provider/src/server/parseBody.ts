import { checkRequestBody, type RequestBodyKind } from '@infermesh/llama/checkRequestBody'
import { invalidRequest } from './invalidRequest.js'
import { unsupportedParameter } from './unsupportedParameter.js'

/**
 * Checks a request body of `kind` with `checkRequestBody`, the check the gateway makes too, so that the
 * two refuse the same requests: the first problem is a 400 naming its field, `invalid_request` (e.g.
 * "Invalid request: `max_tokens` Invalid input: expected number, received string.", or
 * "Unrecognized request argument supplied: messages (a parameter of /v1/chat/completions, not of
 * /v1/completions).") or `unsupported_parameter` (a parameter of OpenAI's API that is not honoured).
 *
 * @example
 * const body = parseBody('chat', request.body)
 */
export function parseBody<Kind extends RequestBodyKind>(kind: Kind, body: unknown) {
  const checked = checkRequestBody(kind, body)
  if (checked.ok) return checked.request
  const { code, param, message } = checked.refusal
  if (code === 'unsupported_parameter') throw unsupportedParameter(param ?? '', message)
  throw invalidRequest(message, param)
}
