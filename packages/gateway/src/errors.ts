import { HttpError } from '@infermesh/node'

/**
 * The base of every error the gateway package throws; the daemon kit's error mapper answers it in
 * OpenAI's shape `{ error: { message, type, param, code } }` with `status`.
 *
 * @example
 * throw new GatewayError('Unknown model tiny.', { status: 404, code: 'model_not_found', param: 'model' })
 */
export class GatewayError extends HttpError {
  override name = 'GatewayError' as const
}
