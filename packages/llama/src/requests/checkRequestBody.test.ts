import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkRequestBody, type RequestBodyKind } from './checkRequestBody.js'
import { everyProviderHonours } from './everyProviderHonours.js'
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from './requestSchemas.js'

const base: Record<RequestBodyKind, Record<string, unknown>> = {
  chat: { model: 'tiny', messages: [{ role: 'user', content: 'hi' }] },
  completion: { model: 'tiny', prompt: 'hi' },
  embeddings: { model: 'tiny', input: 'hi' },
}

/**
 * Every parameter of OpenAI's API for each endpoint: values that must pass (honoured, harmless, or the
 * no-op value) and values that must be refused with 400 `unsupported_parameter` naming the parameter.
 */
type Row = { param: string; pass: unknown[]; unsupported?: unknown[]; honoured?: boolean }
const generation: Row[] = [
  { param: 'model', pass: ['tiny'], honoured: true },
  { param: 'max_tokens', pass: [1, 64, null], honoured: true },
  { param: 'temperature', pass: [0, 0.7, 2, null], honoured: true },
  { param: 'top_p', pass: [0.1, 1, null], honoured: true },
  { param: 'seed', pass: [0, -5, 123456789, null], honoured: true },
  { param: 'stop', pass: ['\n', ['a', 'b'], [], null], honoured: true },
  { param: 'stream', pass: [true, false, null], honoured: true },
  { param: 'user', pass: ['customer-1', null], honoured: true },
  { param: 'n', pass: [1, null], unsupported: [2, 8] },
  { param: 'presence_penalty', pass: [0, null], unsupported: [0.5, -2] },
  { param: 'frequency_penalty', pass: [0, null], unsupported: [1, -0.1] },
  { param: 'logit_bias', pass: [{}, { '42': 0 }, null], unsupported: [{ '42': -100 }, { '1': 0, '2': 5 }] },
]
const rows: Record<RequestBodyKind, Row[]> = {
  chat: [
    ...generation,
    {
      param: 'messages',
      pass: [[{ role: 'developer', content: [{ type: 'text', text: 'x' }] }]],
      honoured: true,
    },
    { param: 'max_completion_tokens', pass: [5, null], honoured: true },
    { param: 'stream_options', pass: [null], honoured: true },
    { param: 'tools', pass: [[], null], unsupported: [[{ type: 'function', function: { name: 'f' } }]] },
    {
      param: 'tool_choice',
      pass: ['none', 'auto', null],
      unsupported: ['required', { type: 'function', function: { name: 'f' } }],
    },
    { param: 'parallel_tool_calls', pass: [true, false, null], honoured: true },
    { param: 'functions', pass: [[], null], unsupported: [[{ name: 'f', parameters: {} }]] },
    { param: 'function_call', pass: ['none', 'auto', null], unsupported: [{ name: 'f' }] },
    { param: 'logprobs', pass: [false, null], unsupported: [true] },
    { param: 'top_logprobs', pass: [0, null], unsupported: [1, 20] },
    {
      param: 'response_format',
      pass: [{ type: 'text' }, null],
      unsupported: [{ type: 'json_object' }, { type: 'json_schema', json_schema: { name: 'x', schema: {} } }],
    },
    { param: 'audio', pass: [null], unsupported: [{ voice: 'alloy', format: 'mp3' }] },
    { param: 'modalities', pass: [['text'], null], unsupported: [['text', 'audio']] },
    { param: 'prediction', pass: [null], unsupported: [{ type: 'content', content: 'x' }] },
    { param: 'reasoning_effort', pass: ['none', null], unsupported: ['low', 'high'] },
    { param: 'verbosity', pass: ['medium', null], unsupported: ['low'] },
    { param: 'web_search_options', pass: [null], unsupported: [{}, { search_context_size: 'low' }] },
    { param: 'service_tier', pass: ['auto', 'default', null], unsupported: ['flex', 'priority'] },
    { param: 'store', pass: [false, null], unsupported: [true] },
    { param: 'metadata', pass: [{ team: 'a' }, null], honoured: true },
    { param: 'safety_identifier', pass: ['u-1', null], honoured: true },
    { param: 'prompt_cache_key', pass: ['k', null], honoured: true },
    { param: 'prompt_cache_retention', pass: ['24h', null], honoured: true },
  ],
  completion: [
    ...generation,
    { param: 'prompt', pass: ['x', ['x']], honoured: true },
    { param: 'stream_options', pass: [null], honoured: true },
    { param: 'best_of', pass: [1, null], unsupported: [2] },
    { param: 'echo', pass: [false, null], unsupported: [true] },
    { param: 'logprobs', pass: [null], unsupported: [0, 5] },
    { param: 'suffix', pass: ['', null], unsupported: [' end'] },
  ],
  embeddings: [
    { param: 'model', pass: ['tiny'], honoured: true },
    { param: 'input', pass: ['x', ['x', 'y']], honoured: true },
    { param: 'encoding_format', pass: ['float', 'base64', null], honoured: true },
    { param: 'user', pass: ['u', null], honoured: true },
    { param: 'dimensions', pass: [null], unsupported: [256] },
  ],
}

describe('checkRequestBody: every OpenAI parameter is honoured, harmless, or refused unless a no-op', () => {
  for (const kind of ['chat', 'completion', 'embeddings'] as const) {
    describe(kind, () => {
      it('the table covers every field the schema knows, and only those', () => {
        const schema = {
          chat: chatRequestSchema,
          completion: completionRequestSchema,
          embeddings: embeddingRequestSchema,
        }[kind]
        assert.deepEqual(rows[kind].map((row) => row.param).sort(), Object.keys(schema.shape).sort())
      })

      for (const row of rows[kind]) {
        it(`${row.param}: ${row.pass.map((v) => JSON.stringify(v)).join(', ')} pass${row.unsupported ? `; ${row.unsupported.map((v) => JSON.stringify(v)).join(', ')} are unsupported` : ''}`, () => {
          for (const value of row.pass) {
            const checked = checkRequestBody(kind, { ...base[kind], [row.param]: value })
            assert.ok(
              checked.ok,
              `${row.param}: ${JSON.stringify(value)} refused: ${checked.ok ? '' : checked.refusal.message}`,
            )
          }
          for (const value of row.unsupported ?? []) {
            const checked = checkRequestBody(kind, { ...base[kind], [row.param]: value })
            assert.ok(!checked.ok, `${row.param}: ${JSON.stringify(value)} passed`)
            assert.equal(checked.refusal.code, 'unsupported_parameter')
            assert.equal(checked.refusal.param, row.param)
            assert.match(checked.refusal.message, new RegExp(`^Unsupported parameter: \`${row.param}\`: `))
          }
          // A malformed value is invalid, whatever the decision.
          const malformed = checkRequestBody(kind, { ...base[kind], [row.param]: Symbol.for('x') })
          assert.ok(!malformed.ok)
          assert.equal(malformed.refusal.code, 'invalid_request')
          assert.equal(malformed.refusal.param, row.param)
          assert.equal(everyProviderHonours(kind, row.param), row.honoured === true)
        })
      }
    })
  }

  it('refuses a field OpenAI does not define as OpenAI does, and names the endpoint of another kind’s field', () => {
    assert.deepEqual(checkRequestBody('chat', { ...base.chat, top_k: 40 }), {
      ok: false,
      refusal: {
        code: 'invalid_request',
        param: 'top_k',
        message: 'Unrecognized request argument supplied: top_k.',
      },
    })
    const other: [RequestBodyKind, string, unknown, string][] = [
      [
        'completion',
        'messages',
        [{ role: 'user', content: 'x' }],
        '/v1/chat/completions, not of /v1/completions',
      ],
      ['chat', 'prompt', 'x', '/v1/completions, not of /v1/chat/completions'],
      [
        'embeddings',
        'messages',
        [{ role: 'user', content: 'x' }],
        '/v1/chat/completions, not of /v1/embeddings',
      ],
      ['embeddings', 'prompt', 'x', '/v1/completions, not of /v1/embeddings'],
      ['embeddings', 'max_tokens', 4, '/v1/chat/completions, not of /v1/embeddings'],
      ['embeddings', 'stream', true, '/v1/chat/completions, not of /v1/embeddings'],
      ['chat', 'input', 'x', '/v1/embeddings, not of /v1/chat/completions'],
      ['completion', 'max_completion_tokens', 4, '/v1/chat/completions, not of /v1/completions'],
      ['chat', 'echo', false, '/v1/completions, not of /v1/chat/completions'],
    ]
    for (const [kind, field, value, where] of other)
      assert.deepEqual(checkRequestBody(kind, { ...base[kind], [field]: value }), {
        ok: false,
        refusal: {
          code: 'invalid_request',
          param: field,
          message: `Unrecognized request argument supplied: ${field} (a parameter of ${where}).`,
        },
      })
    // The unrecognized field is named first, before a malformed or unsupported one.
    const both = checkRequestBody('completion', { model: 'tiny', prompt: 7, n: 3, messages: [] })
    assert.equal(both.ok, false)
    assert.equal(!both.ok && both.refusal.param, 'messages')
  })

  it('checks messages field by field: roles, text parts, tool history and names', () => {
    const refusal = (message: unknown) => {
      const checked = checkRequestBody('chat', { model: 'tiny', messages: [message] })
      return checked.ok ? undefined : checked.refusal
    }
    assert.equal(refusal({ role: 'user', content: 'x', name: '' }), undefined)
    assert.equal(refusal({ role: 'assistant', content: 'x', tool_calls: [], refusal: null }), undefined)
    assert.deepEqual(refusal({ role: 'tool', content: 'x', tool_call_id: 'c' }), {
      code: 'invalid_request',
      param: 'messages.0.tool_call_id',
      message: 'Unrecognized request argument supplied: messages.0.tool_call_id.',
    })
    assert.deepEqual(refusal({ role: 'tool', content: 'x' }), {
      code: 'unsupported_parameter',
      param: 'messages.0.role',
      message:
        'Unsupported parameter: `messages.0.role`: tool messages (function calling) are not supported yet.',
    })
    assert.deepEqual(refusal({ role: 'robot', content: 'x' }), {
      code: 'invalid_request',
      param: 'messages.0.role',
      message: 'Invalid request: `messages.0.role` must be one of system, developer, user or assistant.',
    })
    assert.deepEqual(refusal({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }), {
      code: 'unsupported_parameter',
      param: 'messages.0.content.0.type',
      message:
        "Unsupported parameter: `messages.0.content.0.type`: content parts of type 'image_url' are not supported: only text is.",
    })
    assert.equal(refusal({ role: 'user', content: 'x', name: 'alice' })?.code, 'unsupported_parameter')
    assert.equal(
      refusal({ role: 'assistant', content: 'x', tool_calls: [{ id: 'c' }] })?.param,
      'messages.0.tool_calls',
    )
    assert.equal(
      refusal({ role: 'user', content: [{ type: 'text', text: 'x', cache_control: {} }] })?.param,
      'messages.0.content.0.cache_control',
    )
    assert.equal(refusal({ role: 'user', content: [{ type: 'text' }] })?.param, 'messages.0.content.0.text')
    assert.equal(refusal({ role: 'user' })?.param, 'messages.0.content')
    const joined = checkRequestBody('chat', {
      model: 'tiny',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    })
    assert.equal(joined.ok && joined.request.messages[0]?.content, 'ab')
  })

  it('refuses stream_options without stream, obfuscation, and stop strings that could split a character', () => {
    assert.deepEqual(checkRequestBody('chat', { ...base.chat, stream_options: { include_usage: true } }), {
      ok: false,
      refusal: {
        code: 'invalid_request',
        param: 'stream_options',
        message: '`stream_options` is only allowed when `stream` is true.',
      },
    })
    assert.ok(
      checkRequestBody('completion', {
        ...base.completion,
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
      }).ok,
    )
    const obfuscated = checkRequestBody('chat', {
      ...base.chat,
      stream: true,
      stream_options: { include_obfuscation: true },
    })
    assert.equal(!obfuscated.ok && obfuscated.refusal.param, 'stream_options.include_obfuscation')
    assert.equal(!obfuscated.ok && obfuscated.refusal.code, 'unsupported_parameter')
    const lone = checkRequestBody('chat', { ...base.chat, stop: ['ok', '\uDE00x'] })
    assert.deepEqual(!lone.ok && lone.refusal, {
      code: 'invalid_request',
      param: 'stop',
      message: 'Invalid request: `stop` must be well-formed Unicode (no lone surrogate).',
    })
    assert.ok(checkRequestBody('chat', { ...base.chat, stop: '😀' }).ok)
  })

  it('refuses a body that is not an object, and names a malformed field', () => {
    for (const body of [null, [], 'x', 3])
      assert.deepEqual(checkRequestBody('chat', body), {
        ok: false,
        refusal: { code: 'invalid_request', param: null, message: 'The request body must be a JSON object.' },
      })
    assert.deepEqual(checkRequestBody('chat', { ...base.chat, max_tokens: '5' }), {
      ok: false,
      refusal: {
        code: 'invalid_request',
        param: 'max_tokens',
        message: 'Invalid request: `max_tokens` Invalid input: expected number, received string.',
      },
    })
    assert.equal(checkRequestBody('completion', { model: 'tiny', prompt: '' }).ok, false)
    assert.equal(checkRequestBody('embeddings', { model: 'tiny', input: [] }).ok, false)
  })
})
