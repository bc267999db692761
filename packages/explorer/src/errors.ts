import { HttpError } from '@infermesh/node'

/**
 * The base of every error the explorer package throws: the kit's `HttpError` (status, code, type,
 * `retryable`, `toJSON` in OpenAI's shape `{ error: { message, type, param, code } }`), named for the
 * explorer.
 *
 * @example
 * throw new ExplorerError('No provider 0xab… in the Registry.', { status: 404, code: 'unknown_provider' })
 */
export class ExplorerError extends HttpError {
  override name = 'ExplorerError' as const
}
