import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseProviderMetrics } from './parseProviderMetrics.js'

describe('parseProviderMetrics', () => {
  it('sums answered requests across routes and models, and tokens in and out, ignoring failures', () => {
    const text = [
      '# HELP infermesh_provider_requests_total Requests answered',
      '# TYPE infermesh_provider_requests_total counter',
      'infermesh_provider_requests_total{route="/v1/chat/completions",model="tiny",status="200"} 3',
      'infermesh_provider_requests_total{route="/v1/embeddings",model="tiny",status="200"} 2',
      'infermesh_provider_requests_total{route="/v1/chat/completions",model="",status="402"} 7',
      'infermesh_provider_tokens_in_total{model="tiny"} 40',
      'infermesh_provider_tokens_out_total{model="tiny"} 17',
      'infermesh_provider_tokens_out_total{model="other"} 3',
      'infermesh_provider_in_flight 1',
    ].join('\n')
    assert.deepEqual(parseProviderMetrics(text), { requests: 5, tokensIn: 40, tokensOut: 20 })
  })

  it('reads zeros from a page without InferMesh counters', () => {
    assert.deepEqual(parseProviderMetrics('process_cpu_seconds_total 1.5\n'), {
      requests: 0,
      tokensIn: 0,
      tokensOut: 0,
    })
  })
})
