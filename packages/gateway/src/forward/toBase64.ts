/**
 * Turns an embeddings answer's float vectors into base64 of little-endian float32, in place, for a
 * customer who asked `encoding_format: 'base64'` (providers are always asked for floats, which the
 * receipt covers).
 *
 * @example
 * toBase64(json) // json.data[0].embedding is now a base64 string
 */
export function toBase64(json: Record<string, unknown>): void {
  for (const item of (json.data as { embedding: number[] | string }[] | undefined) ?? []) {
    if (Array.isArray(item.embedding))
      item.embedding = Buffer.from(new Float32Array(item.embedding).buffer).toString('base64')
  }
}
