import { z } from 'zod'
import {
  type ProviderAnswer,
  type ProviderCallParameters,
  type ProviderClientConfig,
  postToProvider,
} from './postToProvider.js'

/** The fields of a text completion the network reads; the rest is passed through unchecked. */
const completionAnswerSchema = z.looseObject({
  choices: z.array(z.looseObject({ text: z.string().nullish() })),
  usage: z
    .looseObject({
      prompt_tokens: z.number().nonnegative().optional(),
      completion_tokens: z.number().nonnegative().optional(),
    })
    .nullish(),
})

/** A provider's non-streamed answer to `POST /v1/completions`. */
export type CompletionAnswer = z.output<typeof completionAnswerSchema>

/**
 * Asks a provider for a text completion (`POST /v1/completions`), paid with `voucher`. A request with
 * `stream: true` answered as `text/event-stream` comes back as `kind: 'stream'`.
 *
 * @example
 * ```ts
 * const answer = await completion(config, { endpoint, body: { model: 'tiny', prompt: 'Once' }, voucher, deadlineMs: 60_000 })
 * ```
 */
export function completion(
  config: ProviderClientConfig,
  parameters: ProviderCallParameters,
): Promise<ProviderAnswer<CompletionAnswer>> {
  return postToProvider(config, '/v1/completions', completionAnswerSchema, parameters)
}
