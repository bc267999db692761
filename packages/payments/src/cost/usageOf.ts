/**
 * The token counts of an answer's `usage` (`prompt_tokens`, `completion_tokens`, 0 when an embeddings
 * answer has none), which the receipt must repeat; undefined when the answer has no usage. Counts
 * that are not non-negative integers become -1, which no receipt matches.
 *
 * @example
 * usageOf({ prompt_tokens: 5, completion_tokens: 2 }) // { inputTokens: 5n, outputTokens: 2n }
 */
export function usageOf(usage: unknown): { inputTokens: bigint; outputTokens: bigint } | undefined {
  if (usage === null || typeof usage !== 'object') return undefined
  const { prompt_tokens: input, completion_tokens: output } = usage as Record<string, unknown>
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : -1n
  return { inputTokens: count(input), outputTokens: output === undefined ? 0n : count(output) }
}
