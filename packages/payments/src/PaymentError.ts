import { HttpError } from '@infermesh/node'

/**
 * Every error the payments package throws, e.g. a provider's unacceptable receipt (`bad_receipt`, 502,
 * retryable: another provider may do better). An `HttpError`, so a daemon answers it in OpenAI's shape.
 */
export class PaymentError extends HttpError {
  override name = 'PaymentError' as const
}
