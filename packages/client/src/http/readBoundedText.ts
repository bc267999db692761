import { type ReadBoundedBodyOptions, readBoundedBody } from './readBoundedBody.js'

/**
 * Reads a response body as UTF-8 text, at most `maxBytes` of it (see `readBoundedBody`). Invalid
 * UTF-8 becomes U+FFFD, as with `response.text()`.
 *
 * @example
 * ```ts
 * const text = await readBoundedText(response, { maxBytes: 64 * 1024 })
 * ```
 */
export async function readBoundedText(response: Response, options: ReadBoundedBodyOptions): Promise<string> {
  return new TextDecoder().decode(await readBoundedBody(response, options))
}
