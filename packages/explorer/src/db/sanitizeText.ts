/** What `sanitizeText` puts in place of a character PostgreSQL cannot store: U+FFFD, the replacement character. */
export const replacementCharacter = '\uFFFD'

/** The marker that ends a string `sanitizeText` shortened. */
export const truncationMarker = '…'

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Makes a string safe to store in PostgreSQL (or PGlite) as `text` or inside `jsonb`, whoever wrote it
 * (a permissionless chain call, a validator's answer). PostgreSQL refuses U+0000 in both, and `jsonb`
 * refuses the `\uD800`-style escapes `JSON.stringify` writes for lone surrogates: each becomes U+FFFD.
 * Invalid UTF-8 never reaches here as such: the ABI decoder (a `TextDecoder`) already turned it into
 * U+FFFD. A string longer than `maxLength` characters (UTF-16 code units) is cut to `maxLength`, its
 * last character being `…`, so a stored value and an API answer stay small.
 *
 * @example
 * sanitizeText('evil\u0000name', 128) // 'evil\uFFFDname'
 */
export function sanitizeText(value: string, maxLength: number): string {
  const cut =
    value.length > maxLength ? `${value.slice(0, Math.max(0, maxLength - 1))}${truncationMarker}` : value
  // Cutting may split a surrogate pair: the check for lone surrogates comes after.
  return cut.replace(loneSurrogate, replacementCharacter).replaceAll('\u0000', replacementCharacter)
}
