import type { z } from 'zod'

type Def = {
  type: string
  shape?: Record<string, { _zod: { def: Def } }>
  innerType?: { _zod: { def: Def } }
  in?: { _zod: { def: Def } }
  element?: { _zod: { def: Def } }
  options?: { _zod: { def: Def } }[]
}

/** The keys the schema allows at `path` (all options' keys for a union), for "did you mean". */
function keysAt(def: Def, path: PropertyKey[]): string[] {
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return def.innerType ? keysAt(def.innerType._zod.def, path) : []
    case 'pipe':
      return def.in ? keysAt(def.in._zod.def, path) : []
    case 'union':
      return [...new Set((def.options ?? []).flatMap((option) => keysAt(option._zod.def, path)))]
    case 'array':
      return def.element && typeof path[0] === 'number' ? keysAt(def.element._zod.def, path.slice(1)) : []
    case 'object': {
      const shape = def.shape ?? {}
      if (path.length === 0) return Object.keys(shape)
      const child = shape[String(path[0])]
      return child ? keysAt(child._zod.def, path.slice(1)) : []
    }
    default:
      return []
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

function suggestion(key: string, known: string[]): string {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const d = candidate.toLowerCase() === lower ? 0 : distance(lower, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)))
    return ` (did you mean "${best}"?)`
  return known.length > 0 ? ` (allowed: ${known.join(', ')})` : ''
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[part]
  }
  return current
}

const dotted = (path: PropertyKey[]) =>
  path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`))
    .join('')

/**
 * Turns zod issues on a configuration into lines a person can act on, each naming the field:
 * `server.prot: unknown key (did you mean "port"?)`, `chain.rpcUrl: is missing (expected string)`.
 * `sources` names where overridden values came from (`{ 'server.port': '--port' }`), so a bad flag or
 * environment variable is blamed, not the file; with the `input` that was parsed, a missing field is
 * called missing even when its schema has its own message.
 *
 * @example
 * ```ts
 * const result = schema.safeParse(raw)
 * if (!result.success) console.error(formatConfigIssues(schema, result.error.issues).join('\n'))
 * ```
 */
export function formatConfigIssues(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  sources: Record<string, string> = {},
  input?: unknown,
): string[] {
  const lines: string[] = []
  for (const issue of issues) {
    const path = issue.path
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt((schema as unknown as { _zod: { def: Def } })._zod.def, path)
      for (const key of issue.keys)
        lines.push(`${dotted([...path, key])}: unknown key${suggestion(key, known)}`)
      continue
    }
    const name = dotted(path) || '(the file)'
    const from = sources[dotted(path)]
    const expected = /^Invalid input: expected (\w+), received undefined$/.exec(issue.message)
    const absent = input !== undefined && path.length > 0 && valueAt(input, path) === undefined
    const message = expected
      ? `is missing (expected ${expected[1]})`
      : absent && issue.code !== 'custom'
        ? `is missing (${issue.message})`
        : issue.message
    lines.push(`${name}${from ? ` (from ${from})` : ''}: ${message}`)
  }
  return lines
}
