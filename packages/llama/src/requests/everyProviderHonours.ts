import type { RequestBodyKind } from './checkRequestBody.js'

const generation = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'user',
]
const honoured: Record<RequestBodyKind, ReadonlySet<string>> = {
  chat: new Set([
    ...generation,
    'messages',
    'max_completion_tokens',
    'parallel_tool_calls',
    'metadata',
    'safety_identifier',
    'prompt_cache_key',
    'prompt_cache_retention',
  ]),
  completion: new Set([...generation, 'prompt']),
  embeddings: new Set(['model', 'input', 'encoding_format', 'user']),
}

/**
 * Whether every provider that checks bodies with `checkRequestBody` honours (or accepts as harmless)
 * the top-level field `field` of a `kind` request, whatever its value. A provider's 400
 * `unsupported_parameter` naming such a field is never the customer's doing; one naming a field that is
 * refused unless it has its no-op value (`tools`, `response_format`, `n`, …) may be, once some providers
 * honour it and others do not.
 *
 * @example
 * everyProviderHonours('chat', 'temperature') // true
 * everyProviderHonours('chat', 'tools') // false
 */
export function everyProviderHonours(kind: RequestBodyKind, field: string): boolean {
  return honoured[kind].has(field)
}
