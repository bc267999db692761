import { z } from 'zod'
import {
  type ProviderAnswer,
  type ProviderCallParameters,
  type ProviderClientConfig,
  postToProvider,
} from './postToProvider.js'

const usage = z.looseObject({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
})

/** The fields of a chat completion the network reads; the rest is passed through unchecked. */
const chatAnswerSchema = z.looseObject({
  choices: z.array(z.looseObject({ message: z.looseObject({ content: z.string().nullish() }).nullish() })),
  usage: usage.nullish(),
})

/** A provider's non-streamed answer to `POST /v1/chat/completions`. */
export type ChatAnswer = z.output<typeof chatAnswerSchema>

/**
 * Asks a provider for a chat completion (`POST /v1/chat/completions`), paid with `voucher`. A request
 * with `stream: true` answered as `text/event-stream` comes back as `kind: 'stream'`.
 *
 * @example
 * ```ts
 * const answer = await chat({ allowPrivate: false }, { endpoint, body: { model: 'tiny', messages }, voucher, deadlineMs: 60_000 })
 * if (answer.kind === 'json') console.log(answer.body.choices[0]?.message?.content)
 * ```
 */
export function chat(
  config: ProviderClientConfig,
  parameters: ProviderCallParameters,
): Promise<ProviderAnswer<ChatAnswer>> {
  return postToProvider(config, '/v1/chat/completions', chatAnswerSchema, parameters)
}
