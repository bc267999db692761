/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth` (`1` is depth 0, `[]` depth 1,
 * `{"a":[1]}` depth 2). One linear pass that skips strings (and the escapes inside them), so it is safe
 * to run on hostile input before `JSON.parse`, whose recursion a deep enough document would exhaust.
 * It does not validate the JSON: it only answers about nesting.
 *
 * @example
 * ```ts
 * if (jsonDepthExceeds(body, 64)) throw new Error('request body nested deeper than 64 levels')
 * const value = JSON.parse(body)
 * ```
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  if (!(Number.isSafeInteger(maxDepth) && maxDepth >= 0))
    throw new TypeError(`jsonDepthExceeds: maxDepth must be a whole number, not ${maxDepth}`)
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c)
        i++ // backslash: skip the escaped character
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > maxDepth) return true
    } else if (char === 0x5d || char === 0x7d) depth--
  }
  return false
}
