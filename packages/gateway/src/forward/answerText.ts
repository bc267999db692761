import { canonicalJson } from '@infermesh/protocol'
import type { Kind } from './types.js'

/**
 * The text a receipt's response hash covers for a non-streamed answer: the first choice's content
 * (chat) or text (completion), or the canonical JSON of the embedding vectors.
 *
 * @example
 * hashResponse(answerText('chat', { choices: [{ message: { content: 'hi' } }] })) // hash of 'hi'
 */
export function answerText(kind: Kind, json: Record<string, unknown>): string {
  if (kind === 'embeddings')
    return canonicalJson(
      ((json.data as { embedding: number[] }[] | undefined) ?? []).map((item) => item.embedding),
    )
  const choice = (
    json.choices as { message?: { content?: string | null } | null; text?: string | null }[] | undefined
  )?.[0]
  return (kind === 'chat' ? choice?.message?.content : choice?.text) ?? ''
}
