import { HttpError } from '@infermesh/node'

/**
 * Every error the llama package throws (unknown model, prompt too long for the context, model that
 * cannot load, closed backend): an `HttpError`, so a daemon answers it in OpenAI's shape with `status`.
 */
export class LlamaError extends HttpError {
  override name = 'LlamaError' as const
}
