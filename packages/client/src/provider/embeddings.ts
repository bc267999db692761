import { z } from 'zod'
import {
  type ProviderAnswer,
  type ProviderCallParameters,
  type ProviderClientConfig,
  postToProvider,
} from './postToProvider.js'

/** An embeddings answer with float vectors (ask with `encoding_format: 'float'`). */
const embeddingsAnswerSchema = z.looseObject({
  data: z.array(z.looseObject({ embedding: z.array(z.number()) })),
  usage: z.looseObject({ prompt_tokens: z.number().nonnegative().optional() }).nullish(),
})

/** A provider's answer to `POST /v1/embeddings`. */
export type EmbeddingsAnswer = z.output<typeof embeddingsAnswerSchema>

/**
 * Asks a provider for embeddings (`POST /v1/embeddings`), paid with `voucher`. The answer must carry
 * float vectors: send `encoding_format: 'float'`.
 *
 * @example
 * ```ts
 * const answer = await embeddings(config, { endpoint, body: { model: 'tiny', input: 'x', encoding_format: 'float' }, voucher, deadlineMs: 30_000 })
 * ```
 */
export function embeddings(
  config: ProviderClientConfig,
  parameters: ProviderCallParameters,
): Promise<ProviderAnswer<EmbeddingsAnswer>> {
  return postToProvider(config, '/v1/embeddings', embeddingsAnswerSchema, parameters)
}
