import { jsonDepthExceeds } from '@infermesh/node'
import { maskUrlPassword } from './maskUrlPassword.js'
import { PeerError } from './PeerError.js'
import { readBoundedText } from './readBoundedText.js'

/** Options of `readBoundedJson`: the most bytes the body may have and how deep it may nest. */
export type ReadBoundedJsonOptions = { maxBytes: number; maxDepth: number }

/**
 * Reads a response body as JSON, bounded in size (`maxBytes`, see `readBoundedBody`) and in nesting
 * (`maxDepth`, checked before parsing). A body nested too deep or that is not JSON is a
 * `peer_bad_response` PeerError. The value is `unknown`: validate it (with zod) before use.
 *
 * @example
 * ```ts
 * const models = modelsSchema.parse(await readBoundedJson(response, { maxBytes: 1024 * 1024, maxDepth: 32 }))
 * ```
 */
export async function readBoundedJson(response: Response, options: ReadBoundedJsonOptions): Promise<unknown> {
  const text = await readBoundedText(response, options)
  const url = maskUrlPassword(response.url) || '(a response without a URL)'
  if (jsonDepthExceeds(text, options.maxDepth))
    throw new PeerError(`The peer at ${url} sent JSON nested deeper than ${options.maxDepth} levels`, {
      code: 'peer_bad_response',
      url,
    })
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new PeerError(
      `The peer at ${url} sent a body that is not JSON: ${(cause as Error).message.slice(0, 200)}`,
      {
        code: 'peer_bad_response',
        url,
        cause,
      },
    )
  }
}
