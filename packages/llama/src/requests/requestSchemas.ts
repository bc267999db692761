import { z } from 'zod'

/**
 * Every request body field of OpenAI's chat, completion and embeddings APIs is named here, with one of
 * three decisions, so that no parameter is ever silently ignored (issue 16):
 * - **honoured**: generation follows it (`model`, `messages`/`prompt`/`input`, `max_tokens`,
 *   `max_completion_tokens`, `temperature`, `top_p`, `seed`, `stop`, `stream`, `stream_options.include_usage`,
 *   `encoding_format`);
 * - **accepted**: it cannot change the answer (metadata and hints: `user`, `metadata`,
 *   `safety_identifier`, `prompt_cache_key`, `prompt_cache_retention`, `parallel_tool_calls` while no
 *   tool can be given);
 * - **no-op only** (`noOpOnly`): a value that asks for what every request gets anyway (`n: 1`,
 *   `presence_penalty: 0`, `response_format: {type: 'text'}`, `logit_bias: {}`, `tools: []`, …) is
 *   accepted; any other value is a 400 `unsupported_parameter` naming the parameter (OpenAI's shape).
 *
 * A field OpenAI does not define for the endpoint is a 400 `invalid_request` ("Unrecognized request
 * argument supplied", as OpenAI answers), and so is a field of another endpoint (`messages` on
 * `/v1/completions`, `prompt` on a chat, `max_tokens` on embeddings): a body means one kind of request
 * only, so a validator can never re-run it as another kind (issue 13's framing). The gateway and the
 * provider both check bodies with `checkRequestBody`, so they refuse the same requests.
 */
/** The `params` of a zod issue that is an unsupported parameter, not a malformed one (`checkRequestBody`). */
export const unsupportedMarker = { unsupported: true } as const

/**
 * A parameter this network does not honour: absent, `null` or a value for which `isNoOp` holds (what
 * every request gets anyway) passes; any other well-formed value is refused with `why`.
 */
function noOpOnly<T extends z.ZodType>(schema: T, isNoOp: (value: z.output<T>) => boolean, why: string) {
  return schema.nullish().superRefine((value, ctx) => {
    if (value != null && !isNoOp(value as z.output<T>))
      ctx.addIssue({ code: 'custom', message: why, params: unsupportedMarker })
  })
}

/** An object parameter none of whose values this network can honour: only `null` passes. */
const neverHonoured = (why: string) => noOpOnly(z.record(z.string(), z.unknown()), () => false, why)

const penalty = (name: string) =>
  noOpOnly(
    z.number().min(-2).max(2),
    (value) => value === 0,
    `${name} is not applied by the network's samplers yet: leave it out or send 0.`,
  )

const notOneChoice =
  'n > 1 is not supported yet: send one request per completion (or leave n out, or send n: 1).'
const biasWhy = 'logit_bias is not applied by the network’s samplers yet: leave it out or send {}.'
const storeWhy =
  'nothing is stored by the network (no completion can be fetched later): leave store out or send false.'

/** Fields every chat and completion request may carry. */
const generation = {
  /** Honoured. */
  model: z.string().min(1, 'must name a model (see GET /v1/models)'),
  /** Honoured (`max_completion_tokens` wins on a chat). */
  max_tokens: z.number().int().positive().nullish(),
  /** Honoured; 0 is greedy decoding. */
  temperature: z.number().min(0).max(2).nullish(),
  /** Honoured. */
  top_p: z.number().gt(0).max(1).nullish(),
  /** Honoured: seeded sampling. */
  seed: z.number().int().nullish(),
  /**
   * Honoured. Stop strings must be well-formed Unicode: one holding a lone surrogate could cut the
   * answer between the two halves of a character.
   */
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullish()
    .refine(
      (stop) => stop == null || (Array.isArray(stop) ? stop : [stop]).every((s) => !/\p{Cs}/u.test(s)),
      'must be well-formed Unicode (no lone surrogate)',
    ),
  /** Honoured. */
  stream: z.boolean().nullish(),
  /** Honoured: `include_usage`. `include_obfuscation` (padding against length side channels) is not done. */
  stream_options: z
    .strictObject({
      include_usage: z.boolean().nullish(),
      include_obfuscation: noOpOnly(
        z.boolean(),
        (value) => value === false,
        'stream obfuscation is not done by the network: leave include_obfuscation out or send false.',
      ),
    })
    .nullish(),
  /** No-op only: 1. */
  n: noOpOnly(z.number().int().positive(), (n) => n === 1, notOneChoice),
  /** No-op only: 0. */
  presence_penalty: penalty('presence_penalty'),
  /** No-op only: 0. */
  frequency_penalty: penalty('frequency_penalty'),
  /** No-op only: `{}` (or every bias 0). */
  logit_bias: noOpOnly(
    z.record(z.string(), z.number().min(-100).max(100)),
    (bias) => Object.values(bias).every((value) => value === 0),
    biasWhy,
  ),
  /** Accepted: an end-user id for abuse monitoring; it changes nothing in the answer. */
  user: z.string().nullish(),
}

/** A chat message's content: a string or text parts (joined); other parts are unsupported. */
const content = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string') return value
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be a string or an array of text parts', input: value })
    return z.NEVER
  }
  let text = ''
  for (const [i, part] of value.entries()) {
    const type = (part as { type?: unknown } | null)?.type
    if (part === null || typeof part !== 'object' || Array.isArray(part) || typeof type !== 'string') {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: 'must be a content part with a `type`',
        input: part,
      })
      return z.NEVER
    }
    if (type !== 'text') {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'type'],
        message: `content parts of type '${type}' are not supported: only text is.`,
        params: unsupportedMarker,
        input: type,
      })
      return z.NEVER
    }
    const extra = Object.keys(part).find((key) => key !== 'type' && key !== 'text')
    if (extra !== undefined) {
      ctx.addIssue({ code: 'unrecognized_keys', path: [i], keys: [extra], input: part })
      return z.NEVER
    }
    const partText = (part as { text?: unknown }).text
    if (typeof partText !== 'string') {
      ctx.addIssue({ code: 'custom', path: [i, 'text'], message: 'must be a string', input: partText })
      return z.NEVER
    }
    text += partText
  }
  return text
})

const toolsWhy = 'tools (function calling) are not supported yet: leave them out or send [].'
const functionsWhy = 'functions (function calling) are not supported yet: leave them out or send [].'

/** One chat message: the roles and fields a chat template can render. */
const message = z.strictObject({
  role: z
    .enum(['system', 'developer', 'user', 'assistant', 'tool', 'function'], {
      error: 'must be one of system, developer, user or assistant',
    })
    .superRefine((role, ctx) => {
      if (role === 'tool' || role === 'function')
        ctx.addIssue({
          code: 'custom',
          message: `${role} messages (function calling) are not supported yet.`,
          params: unsupportedMarker,
        })
    })
    .transform((role) => role as 'system' | 'developer' | 'user' | 'assistant'),
  content,
  /** No-op only: '' (no chat template here renders a participant's name). */
  name: noOpOnly(
    z.string(),
    (name) => name === '',
    'message names are not rendered by the chat templates: leave name out.',
  ),
  /** No-op only: `[]` (an assistant message that called no tool). */
  tool_calls: noOpOnly(z.array(z.unknown()), (calls) => calls.length === 0, toolsWhy),
  /** No-op only: null. */
  function_call: neverHonoured(functionsWhy),
  /** No-op only: null (a refusal in the history cannot be rendered). */
  refusal: noOpOnly(z.string(), () => false, 'refusal messages in the history are not supported.'),
  /** No-op only: null. */
  audio: neverHonoured('audio is not supported.'),
})

/**
 * `POST /v1/chat/completions` body: every OpenAI chat parameter, decided as the file's header says.
 * Content parts are joined into one string; roles `tool` and `function` are unsupported.
 */
export const chatRequestSchema = z.strictObject({
  ...generation,
  /** Honoured. */
  messages: z.array(message).min(1, 'must hold at least one message'),
  /** Honoured. */
  max_completion_tokens: z.number().int().positive().nullish(),
  /** No-op only: `[]`. */
  tools: noOpOnly(z.array(z.unknown()), (tools) => tools.length === 0, toolsWhy),
  /** No-op only: `none` or `auto` (with no tools, neither calls one). */
  tool_choice: noOpOnly(
    z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]),
    (choice) => choice === 'none' || choice === 'auto',
    toolsWhy,
  ),
  /** Accepted: whether several tools may be called at once; with no tools, nothing to say. */
  parallel_tool_calls: z.boolean().nullish(),
  /** No-op only: `[]`. */
  functions: noOpOnly(z.array(z.unknown()), (functions) => functions.length === 0, functionsWhy),
  /** No-op only: `none` or `auto`. */
  function_call: noOpOnly(
    z.union([z.enum(['none', 'auto']), z.looseObject({ name: z.string() })]),
    (call) => call === 'none' || call === 'auto',
    functionsWhy,
  ),
  /** No-op only: false. */
  logprobs: noOpOnly(
    z.boolean(),
    (logprobs) => !logprobs,
    'logprobs are not returned by the network yet: leave them out or send false.',
  ),
  /** No-op only: 0. */
  top_logprobs: noOpOnly(
    z.number().int().min(0).max(20),
    (count) => count === 0,
    'top_logprobs are not returned by the network yet: leave them out or send 0.',
  ),
  /** No-op only: `{type: 'text'}`. */
  response_format: noOpOnly(
    z.looseObject({ type: z.string() }),
    (format) => format.type === 'text',
    'structured output (json_object, json_schema) is not supported yet: leave response_format out or send {"type":"text"}.',
  ),
  /** No-op only: null. */
  audio: neverHonoured('audio output is not supported: leave audio out.'),
  /** No-op only: `['text']`. */
  modalities: noOpOnly(
    z.array(z.enum(['text', 'audio'])),
    (modalities) => modalities.every((modality) => modality === 'text'),
    'only text output is supported: leave modalities out or send ["text"].',
  ),
  /** No-op only: null (predicted outputs are not used to speed up generation). */
  prediction: neverHonoured('predicted outputs are not supported: leave prediction out.'),
  /** No-op only: `none` (the network's models do not reason before answering). */
  reasoning_effort: noOpOnly(
    z.string(),
    (effort) => effort === 'none',
    'the network’s models do not reason before answering: leave reasoning_effort out.',
  ),
  /** No-op only: `medium`, the default. */
  verbosity: noOpOnly(
    z.enum(['low', 'medium', 'high']),
    (verbosity) => verbosity === 'medium',
    'verbosity is not supported: leave it out or send "medium".',
  ),
  /** No-op only: null. */
  web_search_options: neverHonoured('web search is not supported: leave web_search_options out.'),
  /** No-op only: `auto` or `default` (the network has one tier; flex and priority are not offered). */
  service_tier: noOpOnly(
    z.enum(['auto', 'default', 'flex', 'scale', 'priority']),
    (tier) => tier === 'auto' || tier === 'default',
    'the network has one service tier: leave service_tier out or send "auto".',
  ),
  /** No-op only: false. */
  store: noOpOnly(z.boolean(), (store) => !store, storeWhy),
  /** Accepted: tags for the customer's own records (the receipt's request hash covers them). */
  metadata: z.record(z.string(), z.string()).nullish(),
  /** Accepted: an end-user id for abuse monitoring. */
  safety_identifier: z.string().nullish(),
  /** Accepted: a prompt-cache hint; caching never changes an answer. */
  prompt_cache_key: z.string().nullish(),
  /** Accepted: a prompt-cache hint. */
  prompt_cache_retention: z.string().nullish(),
})

/** `POST /v1/completions` body: one prompt, every OpenAI completion parameter decided. */
export const completionRequestSchema = z.strictObject({
  ...generation,
  /** Honoured. */
  prompt: z.union([
    z.string().min(1, 'is empty'),
    z.array(z.string().min(1, 'is empty')).length(1, 'must be one prompt (batches are not supported)'),
  ]),
  /** No-op only: 1. */
  best_of: noOpOnly(
    z.number().int().positive(),
    (count) => count === 1,
    'best_of > 1 is not supported: leave it out or send 1.',
  ),
  /** No-op only: false. */
  echo: noOpOnly(
    z.boolean(),
    (echo) => !echo,
    'echo is not supported: leave it out or send false (the prompt is yours already).',
  ),
  /** No-op only: null (`logprobs: 0` would still ask for the chosen tokens' log-probabilities). */
  logprobs: noOpOnly(
    z.number().int().min(0).max(5),
    () => false,
    'logprobs are not returned by the network yet: leave them out.',
  ),
  /** No-op only: ''. */
  suffix: noOpOnly(
    z.string(),
    (suffix) => suffix === '',
    'suffix (insertion) is not supported: leave it out.',
  ),
})

/** `POST /v1/embeddings` body. */
export const embeddingRequestSchema = z.strictObject({
  /** Honoured. */
  model: z.string().min(1, 'must name a model (see GET /v1/models)'),
  /** Honoured: text, or up to 256 texts (token-id arrays are not accepted). */
  input: z.union([z.string().min(1, 'is empty'), z.array(z.string().min(1, 'is empty')).min(1).max(256)]),
  /** Honoured. */
  encoding_format: z.enum(['float', 'base64']).nullish(),
  /** No-op only: null (vectors have the model's size). */
  dimensions: noOpOnly(
    z.number().int().positive(),
    () => false,
    '`dimensions` is not supported: vectors have the model’s size.',
  ),
  /** Accepted: an end-user id for abuse monitoring. */
  user: z.string().nullish(),
})

export type ChatRequest = z.output<typeof chatRequestSchema>
export type CompletionRequest = z.output<typeof completionRequestSchema>
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>
