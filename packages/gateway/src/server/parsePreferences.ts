import { parseEther } from 'viem'
import { z } from 'zod'
import { GatewayError } from '../errors.js'
import type { RoutingPreferences } from '../routing/types.js'

const price = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d{1,18})?$/)])
  .transform((v) => parseEther(String(v)))

const schema = z.strictObject({
  order: z.array(z.string()).optional(),
  only: z.array(z.string()).optional(),
  ignore: z.array(z.string()).optional(),
  sort: z.enum(['balanced', 'price', 'latency', 'throughput']).optional(),
  max_price: z.strictObject({ prompt: price.optional(), completion: price.optional() }).optional(),
  allow_fallbacks: z.boolean().optional(),
})

/**
 * Reads the request's `provider` object (OpenRouter's routing preferences): `order`, `only`,
 * `ignore` (provider addresses), `sort`, `max_price` { prompt, completion } in MESH per 1M tokens,
 * `allow_fallbacks`.
 */
export function parsePreferences(value: unknown): RoutingPreferences {
  if (value === undefined || value === null) return {}
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = ['provider', ...(issue?.path ?? [])].join('.')
    throw new GatewayError(`Invalid routing preferences: \`${path}\` ${issue?.message ?? 'is invalid'}.`, {
      status: 400,
      code: 'invalid_request',
      param: path,
    })
  }
  const p = parsed.data
  return {
    ...(p.order && { order: p.order }),
    ...(p.only && { only: p.only }),
    ...(p.ignore && { ignore: p.ignore }),
    ...(p.sort && { sort: p.sort }),
    ...(p.max_price && {
      maxPrice: {
        ...(p.max_price.prompt !== undefined && { prompt: p.max_price.prompt }),
        ...(p.max_price.completion !== undefined && { completion: p.max_price.completion }),
      },
    }),
    ...(p.allow_fallbacks !== undefined && { allowFallbacks: p.allow_fallbacks }),
  }
}
