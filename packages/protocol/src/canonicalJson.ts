import { BaseError } from './errors.js'

/**
 * Serializes a JSON value canonically, following the essentials of RFC 8785 (JCS), so that two parties
 * holding the same value produce the same bytes and therefore the same hash:
 * - object keys sorted by their UTF-16 code units, no whitespace anywhere;
 * - strings escaped exactly as `JSON.stringify` escapes them;
 * - numbers written as `JSON.stringify` writes them (ECMAScript shortest round-trip form); NaN and
 *   ±Infinity are refused, since JSON cannot carry them;
 * - object properties whose value is `undefined` are omitted, array elements stay in order
 *   (`undefined` in an array becomes `null`, as `JSON.stringify` does); `toJSON` is honoured.
 *
 * Bigints, functions, symbols and cycles are refused with a `BaseError` that names the path, e.g.
 * `$.messages[0].content`.
 *
 * @example
 * canonicalJson({ b: [1, 'x'], a: { d: null, c: true } }) // '{"a":{"c":true,"d":null},"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  const out = serialize(value, '', '$', new Set())
  if (out === undefined) throw new BaseError(`canonicalJson: ${describe(value)} at $ is not a JSON value.`)
  return out
}

/** The canonical JSON of `value`, or undefined when `value` is an omitted property value (undefined). */
function serialize(value: unknown, key: string, path: string, ancestors: Set<object>): string | undefined {
  let current = value
  if (current !== null && typeof current === 'object' && 'toJSON' in current) {
    const toJSON = (current as { toJSON: unknown }).toJSON
    if (typeof toJSON === 'function') current = toJSON.call(current, key)
  }
  if (current instanceof Number || current instanceof String || current instanceof Boolean) {
    current = current.valueOf()
  }
  switch (typeof current) {
    case 'undefined':
      return undefined
    case 'boolean':
      return current ? 'true' : 'false'
    case 'string':
      return JSON.stringify(current)
    case 'number':
      if (!Number.isFinite(current)) {
        throw new BaseError(`canonicalJson: ${current} at ${path} is not a JSON number.`)
      }
      return JSON.stringify(current)
    case 'object': {
      if (current === null) return 'null'
      if (ancestors.has(current)) throw new BaseError(`canonicalJson: the value at ${path} is cyclic.`)
      ancestors.add(current)
      let out: string
      if (Array.isArray(current)) {
        const items = current.map(
          (item, index) => serialize(item, String(index), `${path}[${index}]`, ancestors) ?? 'null',
        )
        out = `[${items.join(',')}]`
      } else {
        const record = current as Record<string, unknown>
        const members: string[] = []
        // The default sort compares UTF-16 code units, which is what RFC 8785 asks for.
        for (const name of Object.keys(record).sort()) {
          const member = serialize(record[name], name, `${path}${memberPath(name)}`, ancestors)
          if (member !== undefined) members.push(`${JSON.stringify(name)}:${member}`)
        }
        out = `{${members.join(',')}}`
      }
      ancestors.delete(current)
      return out
    }
    case 'bigint':
      throw new BaseError(
        `canonicalJson: the bigint ${current}n at ${path} is not a JSON value; write it as a decimal string.`,
      )
    default:
      throw new BaseError(`canonicalJson: ${describe(current)} at ${path} is not a JSON value.`)
  }
}

function memberPath(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `the bigint ${value}n`
  if (typeof value === 'undefined') return 'undefined'
  return `a ${typeof value}`
}
