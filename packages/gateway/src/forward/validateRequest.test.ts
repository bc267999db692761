import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GatewayError } from '../errors.js'
import { validateRequest } from './validateRequest.js'

const refused = (message: string, param: string | null) => (error: unknown) => {
  assert.ok(error instanceof GatewayError)
  assert.equal(error.status, 400)
  assert.equal(error.code, 'invalid_request')
  assert.equal(error.message, message)
  assert.equal(error.param, param)
  return true
}

describe('validateRequest: the customer’s faults answered by the gateway before any provider', () => {
  it('passes a good chat through untouched, without the routing preferences', () => {
    const body = {
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      metadata: { kept: '1' },
    }
    const valid = validateRequest('chat', { ...body, provider: { sort: 'price' } })
    assert.deepEqual(valid, {
      model: 'tiny',
      body,
      preferences: { sort: 'price' },
      stream: true,
      wantsBase64: false,
    })
  })

  it('refuses what every honest provider would refuse, naming the field', () => {
    assert.throws(() => validateRequest('chat', []), refused('The request body must be a JSON object.', null))
    assert.throws(
      () => validateRequest('chat', { model: 'tiny', messages: [] }),
      refused('Invalid request: `messages` must hold at least one message.', 'messages'),
    )
    assert.throws(
      () => validateRequest('chat', { model: 'tiny', messages: [{ role: 'tool', content: 'x' }] }),
      (error: GatewayError) => error.status === 400 && error.param === 'messages.0.role',
    )
    assert.throws(
      () => validateRequest('completion', { model: 'tiny', prompt: ['a', 'b'] }),
      (error: GatewayError) => error.status === 400 && error.param === 'prompt',
    )
    assert.throws(
      () =>
        validateRequest('chat', {
          model: 'tiny',
          messages: [{ role: 'user', content: 'x' }],
          max_tokens: -1,
        }),
      (error: GatewayError) => error.status === 400 && error.param === 'max_tokens',
    )
    assert.throws(
      () => validateRequest('embeddings', { model: 'tiny', input: [] }),
      (error: GatewayError) => error.status === 400 && error.param === 'input',
    )
    assert.throws(
      () =>
        validateRequest('completion', {
          model: 'tiny',
          prompt: 'x',
          stream_options: { include_usage: true },
        }),
      refused('`stream_options` is only allowed when `stream` is true.', 'stream_options'),
    )
    assert.throws(
      () =>
        validateRequest(
          'chat',
          JSON.parse(
            '{"model":"tiny","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text","x":[1e400]}}',
          ),
        ),
      refused(
        'The request body cannot be hashed for a receipt: canonicalJson: Infinity at $.response_format.x[0] is not a JSON number.',
        null,
      ),
    )
    assert.throws(
      () => validateRequest('embeddings', { model: 'tiny', input: ['a', ''] }),
      refused('Invalid request: `input.1` is empty.', 'input.1'),
    )
    assert.throws(
      () => validateRequest('chat', { model: '', messages: [{ role: 'user', content: 'x' }] }),
      refused('Invalid request: `model` must name a model (see GET /v1/models).', 'model'),
    )
  })

  it('refuses an unsupported parameter before routing, names another endpoint’s field, and notes base64 embeddings', () => {
    const chat = { model: 'tiny', messages: [{ role: 'user', content: 'x' }] }
    const unsupported = (param: string) => (error: unknown) => {
      assert.ok(error instanceof GatewayError)
      assert.equal(error.status, 400)
      assert.equal(error.code, 'unsupported_parameter')
      assert.equal(error.param, param)
      assert.equal(error.retryable, false)
      return true
    }
    assert.throws(
      () => validateRequest('chat', { ...chat, response_format: { type: 'json_object' } }),
      unsupported('response_format'),
    )
    assert.throws(() => validateRequest('chat', { ...chat, tools: [{}] }), unsupported('tools'))
    assert.throws(() => validateRequest('chat', { ...chat, n: 2 }), unsupported('n'))
    assert.throws(() => validateRequest('chat', { ...chat, logprobs: true }), unsupported('logprobs'))
    assert.throws(
      () => validateRequest('embeddings', { model: 'tiny', input: 'x', dimensions: 8 }),
      unsupported('dimensions'),
    )
    // The no-op values pass, as do the routing preferences (the gateway's own field).
    assert.doesNotThrow(() =>
      validateRequest('chat', {
        ...chat,
        n: 1,
        logprobs: false,
        presence_penalty: 0,
        response_format: { type: 'text' },
        tools: [],
        parallel_tool_calls: true,
        provider: { sort: 'price' },
      }),
    )
    assert.throws(
      () => validateRequest('completion', { model: 'tiny', prompt: 'x', messages: chat.messages }),
      refused(
        'Unrecognized request argument supplied: messages (a parameter of /v1/chat/completions, not of /v1/completions).',
        'messages',
      ),
    )
    assert.throws(
      () => validateRequest('chat', { ...chat, extra: 1 }),
      refused('Unrecognized request argument supplied: extra.', 'extra'),
    )
    const embeddings = validateRequest('embeddings', { model: 'tiny', input: 'x', encoding_format: 'base64' })
    assert.equal(embeddings.wantsBase64, true)
    assert.equal(embeddings.stream, false)
  })
})
