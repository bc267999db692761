import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ProviderRefusal } from '@infermesh/client'
import { isCustomersFault } from './isCustomersFault.js'

const refusal = (status: number, code?: string, param?: string): ProviderRefusal => ({
  kind: 'refusal',
  status,
  code,
  param,
  owed: undefined,
  detail: undefined,
})
const chat = { model: 'tiny', messages: [{ role: 'user', content: 'x' }] }

describe('isCustomersFault: which provider refusals are excused', () => {
  it('excuses a short context, a body too large, a parameter the customer did send, embeddings on a chat model', () => {
    assert.equal(isCustomersFault('chat', chat, refusal(400, 'context_length_exceeded', 'max_tokens')), true)
    assert.equal(isCustomersFault('chat', chat, refusal(413)), true)
    assert.equal(
      isCustomersFault('chat', { ...chat, tools: [{}] }, refusal(400, 'unsupported_parameter', 'tools')),
      true,
    )
    assert.equal(
      isCustomersFault('embeddings', { model: 'tiny', input: 'x' }, refusal(400, 'model_not_embedding')),
      true,
    )
  })

  it('blames the provider for anything else on a request the gateway validated', () => {
    assert.equal(isCustomersFault('chat', chat, refusal(400, 'invalid_request')), false)
    assert.equal(isCustomersFault('chat', chat, refusal(400)), false)
    assert.equal(isCustomersFault('chat', chat, refusal(401, 'invalid_api_key')), false)
    assert.equal(isCustomersFault('chat', chat, refusal(404, 'model_not_found')), false)
    // A parameter the customer never sent, or sent as null, is no excuse.
    assert.equal(isCustomersFault('chat', chat, refusal(400, 'unsupported_parameter', 'tools')), false)
    assert.equal(
      isCustomersFault('chat', { ...chat, tools: null }, refusal(400, 'unsupported_parameter', 'tools')),
      false,
    )
    assert.equal(isCustomersFault('chat', chat, refusal(400, 'unsupported_parameter')), false)
    // A parameter every provider honours (the gateway checked the body as they do) is no excuse either.
    assert.equal(
      isCustomersFault(
        'chat',
        { ...chat, temperature: 0 },
        refusal(400, 'unsupported_parameter', 'temperature'),
      ),
      false,
    )
    assert.equal(
      isCustomersFault('chat', chat, refusal(400, 'unsupported_parameter', 'messages.0.content')),
      false,
    )
    assert.equal(
      isCustomersFault(
        'completion',
        { model: 'tiny', prompt: 'x' },
        refusal(400, 'unsupported_parameter', 'prompt'),
      ),
      false,
    )
    assert.equal(isCustomersFault('chat', chat, refusal(400, 'model_not_embedding')), false)
  })
})
