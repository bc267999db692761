import { canonicalJson } from '@infermesh/protocol'
import { z } from 'zod'
import { GatewayError } from '../errors.js'
import type { RoutingPreferences } from '../routing/types.js'
import { parsePreferences } from '../server/parsePreferences.js'
import type { Kind } from './types.js'

// The shape every honest provider checks (the provider's request schemas): what fails here is the
// customer's fault, answered 400 by the gateway itself; what passes here and is refused by a provider
// counts against that provider.
const text = z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))])
const common = {
  model: z.string().min(1, 'must name a model (see GET /v1/models)'),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().positive().nullish(),
  logprobs: z.union([z.boolean(), z.number()]).nullish(),
  user: z.string().nullish(),
}
const schemas: Record<Kind, z.ZodType> = {
  chat: z.looseObject({
    ...common,
    messages: z
      .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: text }))
      .min(1, 'must hold at least one message'),
    max_completion_tokens: z.number().int().positive().nullish(),
    tools: z.array(z.unknown()).nullish(),
  }),
  completion: z.looseObject({
    ...common,
    prompt: z.union([
      z.string().min(1, 'is empty'),
      z.array(z.string().min(1, 'is empty')).length(1, 'must be one prompt (batches are not supported)'),
    ]),
  }),
  embeddings: z.looseObject({
    model: z.string().min(1, 'must name a model (see GET /v1/models)'),
    input: z.union([z.string().min(1, 'is empty'), z.array(z.string().min(1, 'is empty')).min(1).max(256)]),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    dimensions: z.number().int().positive().nullish(),
    user: z.string().nullish(),
  }),
}

/** A customer's request after the gateway's own checks. */
export type ValidRequest = {
  model: string
  /** The body without the gateway's `provider` field, as the customer sent it (nothing rewritten). */
  body: Record<string, unknown>
  preferences: RoutingPreferences
  stream: boolean
  wantsBase64: boolean
}

const invalid = (message: string, param: string | null = null) =>
  new GatewayError(message, { status: 400, code: 'invalid_request', param, retryable: false })

/**
 * Checks a customer's request the way every honest provider would, so a request at fault is answered
 * 400 by the gateway and never reaches a provider: a provider that refuses a request that passed here
 * is failed over and counted as failing. Also reads the routing preferences (`provider`).
 *
 * @throws GatewayError 400 `invalid_request` naming the field at fault.
 *
 * @example
 * const { model, body, preferences } = validateRequest('chat', request.body)
 */
export function validateRequest(kind: Kind, value: unknown): ValidRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid('The request body must be a JSON object.')
  const { provider, ...body } = value as Record<string, unknown>
  const checked = schemas[kind].safeParse(body)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    const path = issue?.path.join('.') ?? ''
    throw invalid(`Invalid request: \`${path}\` ${issue?.message ?? 'is invalid'}.`, path || null)
  }
  try {
    // The receipt's request hash covers the body: one a provider cannot hash (a number JSON parsed to
    // Infinity, like 1e400) is refused here, not by every provider in turn.
    canonicalJson(body)
  } catch (error) {
    throw invalid(`The request body cannot be hashed for a receipt: ${(error as Error).message}`)
  }
  const stream = kind !== 'embeddings' && body.stream === true
  if (body.stream_options != null && !stream)
    throw invalid('`stream_options` is only allowed when `stream` is true.', 'stream_options')
  return {
    model: body.model as string,
    body,
    preferences: parsePreferences(provider),
    stream,
    wantsBase64: kind === 'embeddings' && body.encoding_format === 'base64',
  }
}
