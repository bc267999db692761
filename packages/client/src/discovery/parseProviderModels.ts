import type { Hex } from 'viem'
import { z } from 'zod'

/** One model a provider says it serves: the name it expects in `model`, and the on-chain id. */
export type ProviderModelAlias = { name: string; modelId: Hex }

/** An entry of a provider's list that was dropped, and why (for the operator's log). */
export type DroppedModelEntry = { index: number; issue: string }

const listSchema = z.looseObject({ data: z.array(z.unknown()).max(1000) })
const entrySchema = z.looseObject({
  id: z.string().min(1).max(256),
  infermesh: z.looseObject({
    modelId: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be a 32-byte 0x model id' })
      .transform((id) => id.toLowerCase() as Hex),
  }),
})

/**
 * Checks a provider's `GET /v1/models` answer entry by entry. The answer must be `{ data: [...] }`
 * with at most 1,000 entries, or `undefined` is returned (the whole answer is invalid: the caller marks
 * that provider unhealthy). Each entry needs a string `id` of 1 to 256 characters and
 * `infermesh.modelId` of 32 bytes in hex; an entry that has not is dropped (and reported in `dropped`)
 * while the others are kept. Model ids come back in lower case; the first name given to an id wins.
 *
 * @example
 * ```ts
 * const parsed = parseProviderModels(await readBoundedJson(response, { maxBytes, maxDepth: 16 }))
 * if (!parsed) markUnhealthy()
 * ```
 */
export function parseProviderModels(
  json: unknown,
): { models: ProviderModelAlias[]; dropped: DroppedModelEntry[] } | undefined {
  const list = listSchema.safeParse(json)
  if (!list.success) return undefined
  const models: ProviderModelAlias[] = []
  const dropped: DroppedModelEntry[] = []
  const seen = new Set<string>()
  list.data.data.forEach((item, index) => {
    const entry = entrySchema.safeParse(item)
    if (!entry.success) {
      const issue = entry.error.issues[0]
      dropped.push({
        index,
        issue: `\`${issue?.path.join('.') || '(entry)'}\` ${issue?.message ?? 'is invalid'}`,
      })
      return
    }
    if (seen.has(entry.data.id)) return
    seen.add(entry.data.id)
    models.push({ name: entry.data.id, modelId: entry.data.infermesh.modelId })
  })
  return { models, dropped }
}
