/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, found by one linear scan that
 * skips strings (and their escapes), before anything is parsed: so a hostile body like
 * `[[[[…]]]]` 100,000 deep is refused without building it or recursing over it.
 *
 * @example
 * jsonDepthExceeds('{"a":[[1]]}', 2) // true
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c)
        i++ // backslash: skip the escaped character
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return true
    } else if (code === 0x7d || code === 0x5d) depth--
  }
  return false
}
