/**
 * What a run of bytes is as UTF-8 on its own: `incomplete` (a valid start of one character that needs
 * more bytes), `complete` (exactly one valid character) or `invalid` (the decoder would print U+FFFD).
 * The validator uses it to rebuild the bytes hidden behind a U+FFFD in a response.
 */
export function utf8PrefixState(bytes: readonly number[]): 'incomplete' | 'complete' | 'invalid' {
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const streamed = decoder.decode(Uint8Array.from(bytes), { stream: true })
  if (streamed === '') return 'incomplete'
  if (streamed.includes('\uFFFD')) return 'invalid'
  return [...streamed].length === 1 ? 'complete' : 'invalid'
}
