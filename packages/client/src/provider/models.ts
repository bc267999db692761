import { z } from 'zod'
import { PeerError } from '../http/PeerError.js'
import { peerFetch } from '../http/peerFetch.js'
import { readBoundedJson } from '../http/readBoundedJson.js'
import type { ProviderClientConfig } from './postToProvider.js'

const modelsSchema = z.looseObject({
  data: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(256),
        infermesh: z
          .looseObject({
            modelId: z
              .string()
              .regex(/^0x[0-9a-fA-F]{64}$/)
              .transform((id) => id.toLowerCase() as `0x${string}`),
            contextLength: z.number().int().positive().optional(),
            embeddings: z.boolean().optional(),
          })
          .optional(),
      }),
    )
    .max(1000),
})

/** One model a provider says it serves: its name there and, for InferMesh providers, the on-chain id. */
export type ProviderModel = {
  /** The name the provider serves it under (what it expects in `model`). */
  id: string
  /** The on-chain model id (sha256 of the weights), lower case; absent when the provider gives none. */
  modelId: `0x${string}` | undefined
  contextLength: number | undefined
  embeddings: boolean | undefined
}

/** Where to ask and how long to wait. */
export type ModelsParameters = {
  endpoint: string
  /** The whole call, in milliseconds. */
  deadlineMs: number
  signal?: AbortSignal
}

/**
 * Reads a provider's `GET /v1/models` (at most 1 MiB, 1,000 models). A list with any field of the
 * wrong type is refused whole with a `peer_bad_response` PeerError, so one provider's bad list can
 * only hurt that provider; a status other than 2xx is a `peer_bad_response` too.
 *
 * @example
 * ```ts
 * const served = await models({ allowPrivate: false }, { endpoint: 'https://p.example', deadlineMs: 3_000 })
 * ```
 */
export async function models(
  config: ProviderClientConfig,
  parameters: ModelsParameters,
): Promise<ProviderModel[]> {
  const url = `${parameters.endpoint.replace(/\/+$/, '')}/v1/models`
  const response = await peerFetch(url, {
    allowPrivate: config.allowPrivate ?? false,
    deadlineMs: parameters.deadlineMs,
    ...(parameters.signal && { signal: parameters.signal }),
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new PeerError(`The provider at ${url} answered ${response.status} to a list of its models`, {
      code: 'peer_bad_response',
      url,
    })
  }
  const json = await readBoundedJson(response, { maxBytes: 1024 * 1024, maxDepth: 16 })
  const checked = modelsSchema.safeParse(json)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    throw new PeerError(
      `The provider at ${url} sent a list of models that is not valid (\`${issue?.path.join('.') ?? ''}\` ${issue?.message ?? 'is invalid'})`,
      { code: 'peer_bad_response', url },
    )
  }
  return checked.data.data.map((model) => ({
    id: model.id,
    modelId: model.infermesh?.modelId,
    contextLength: model.infermesh?.contextLength,
    embeddings: model.infermesh?.embeddings,
  }))
}
