/**
 * A duration in seconds as a person reads it: `7 days`, `3 h 20 min`, `12 min`, `45 s`.
 *
 * @example
 * ```ts
 * formatDuration(604800n) // '7 days'
 * ```
 */
export function formatDuration(seconds: bigint | number): string {
  const s = Math.max(0, Number(seconds))
  if (s >= 2 * 86_400) return `${Math.round(s / 86_400)} days`
  if (s >= 3600) {
    // Round to whole minutes first, so 86,399 s reads "24 h 0 min", not "23 h 60 min".
    const minutes = Math.round(s / 60)
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  }
  if (s >= 60) return `${Math.round(s / 60)} min`
  return `${s} s`
}
