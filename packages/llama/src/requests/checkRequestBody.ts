import {
  type ChatRequest,
  type CompletionRequest,
  chatRequestSchema,
  completionRequestSchema,
  type EmbeddingRequest,
  embeddingRequestSchema,
} from './requestSchemas.js'

/** The kinds of request, by endpoint. */
export type RequestBodyKind = 'chat' | 'completion' | 'embeddings'

/** Why a body is refused: a 400 in OpenAI's error shape (`code`, `param`, `message`). */
export type RequestRefusal = {
  /** `unsupported_parameter`: a parameter of OpenAI's API that the network does not honour. */
  code: 'invalid_request' | 'unsupported_parameter'
  /** The field at fault (`response_format`, `messages.0.role`), or null for the body as a whole. */
  param: string | null
  message: string
}

type Requests = { chat: ChatRequest; completion: CompletionRequest; embeddings: EmbeddingRequest }

/** The outcome of `checkRequestBody`. */
export type CheckedRequestBody<Kind extends RequestBodyKind> =
  | { ok: true; request: Requests[Kind] }
  | { ok: false; refusal: RequestRefusal }

const schemas = {
  chat: chatRequestSchema,
  completion: completionRequestSchema,
  embeddings: embeddingRequestSchema,
} as const
const endpoints: Record<RequestBodyKind, string> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
  embeddings: '/v1/embeddings',
}

/**
 * Checks a request body of `kind` the one way the gateway and every provider do (the request schemas:
 * every OpenAI parameter honoured, accepted as harmless, or refused unless it has its no-op value).
 * `stream_options` without `stream: true` is refused too (OpenAI does). The refusal names the first field at fault, an unrecognized one first: a field OpenAI does not define
 * for this endpoint ("Unrecognized request argument supplied: messages", saying which endpoint it
 * belongs to when it is another's), then the first malformed or unsupported one.
 *
 * @example
 * const checked = checkRequestBody('chat', { model: 'tiny', messages, response_format: { type: 'json_object' } })
 * // { ok: false, refusal: { code: 'unsupported_parameter', param: 'response_format', message: 'Unsupported parameter: `response_format`: structured output …' } }
 */
export function checkRequestBody<Kind extends RequestBodyKind>(
  kind: Kind,
  body: unknown,
): CheckedRequestBody<Kind> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return refuse('invalid_request', null, 'The request body must be a JSON object.')
  const result = schemas[kind].safeParse(body)
  if (result.success) {
    const request = result.data as Requests[Kind]
    if ('stream_options' in request && request.stream_options != null && request.stream !== true)
      return refuse(
        'invalid_request',
        'stream_options',
        '`stream_options` is only allowed when `stream` is true.',
      )
    return { ok: true, request }
  }
  const issues = result.error.issues
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]
  if (issue === undefined) return refuse('invalid_request', null, 'The request body is invalid.')
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    const param = [...issue.path, key].join('.')
    const owner =
      issue.path.length === 0
        ? (Object.keys(schemas) as RequestBodyKind[]).find(
            (other) => other !== kind && Object.hasOwn(schemas[other].shape, key),
          )
        : undefined
    return refuse(
      'invalid_request',
      param,
      owner === undefined
        ? `Unrecognized request argument supplied: ${param}.`
        : `Unrecognized request argument supplied: ${param} (a parameter of ${endpoints[owner]}, not of ${endpoints[kind]}).`,
    )
  }
  const param = issue.path.join('.')
  if (issue.code === 'custom' && (issue.params as { unsupported?: unknown } | undefined)?.unsupported)
    return refuse('unsupported_parameter', param, `Unsupported parameter: \`${param}\`: ${issue.message}`)
  return refuse('invalid_request', param || null, `Invalid request: \`${param}\` ${issue.message}.`)
}

function refuse(code: RequestRefusal['code'], param: string | null, message: string) {
  return { ok: false, refusal: { code, param, message } } as const
}
