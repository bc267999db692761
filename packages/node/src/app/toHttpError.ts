import { HttpError, type HttpErrorOptions } from '../errors/HttpError.js'

/** A daemon's own HttpError subclass, so errors the kit makes carry the daemon's name. */
export type HttpErrorClass = new (message: string, options: HttpErrorOptions) => HttpError

/**
 * Maps anything a route or Fastify throws to the HttpError the client sees: the daemon's own errors
 * unchanged, Fastify's body errors to 413/415/400, any other client error to 400, and everything
 * else to a 500 that says the daemon keeps running (the cause stays on the error, for the log).
 */
export function toHttpError(
  error: unknown,
  params: { name: string; bodyLimit: number; ErrorClass?: HttpErrorClass },
): HttpError {
  if (error instanceof HttpError) return error
  const ErrorClass = params.ErrorClass ?? HttpError
  const fault = error as Error & { code?: string; statusCode?: number }
  switch (fault?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ErrorClass(`The request body is larger than ${params.bodyLimit} bytes.`, {
        status: 413,
        code: 'body_too_large',
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ErrorClass('Send the request body as application/json.', {
        status: 415,
        code: 'unsupported_media_type',
      })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ErrorClass('The request body is empty; send a JSON object.', {
        status: 400,
        code: 'invalid_request',
      })
  }
  if (fault instanceof SyntaxError) {
    return new ErrorClass(`The request body is not valid JSON: ${fault.message.slice(0, 200)}`, {
      status: 400,
      code: 'invalid_request',
    })
  }
  const status = fault?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ErrorClass(String(fault.message ?? 'Bad request.').slice(0, 500), {
      status,
      code: 'invalid_request',
    })
  }
  return new ErrorClass(`The ${params.name} failed to answer; it keeps running, try again.`, {
    status: 500,
    code: 'server_error',
    cause: error,
  })
}
