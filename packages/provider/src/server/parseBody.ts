import type { z } from 'zod'
import { invalidRequest } from './invalidRequest.js'

/**
 * Checks a request body against a route's schema; the first problem is a 400 naming its field,
 * e.g. "Invalid request: `max_tokens` Invalid input: expected number, received string."
 *
 * @example
 * const body = parseBody(chatRequestSchema, request.body)
 */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object.')
  }
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue?.path.join('.') ?? ''
  throw invalidRequest(`Invalid request: \`${path}\` ${issue?.message ?? 'is invalid'}.`, path || null)
}
