import { HttpError } from '@infermesh/node'

/**
 * Every error the validator package throws: an `HttpError` the daemon kit answers in OpenAI's shape
 * `{ error: { message, type, param, code } }` with `status`. A verification that cannot be carried out
 * (unknown model, unreadable request) throws; a provider's wrong answer never throws, it is a verdict.
 *
 * @example
 * throw new ValidatorError('This receipt was already sampled.', { status: 409, code: 'duplicate_sample' })
 */
export class ValidatorError extends HttpError {
  override name = 'ValidatorError' as const
}
