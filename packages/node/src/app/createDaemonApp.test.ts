import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { HttpError } from '../errors/HttpError.js'
import { createDaemonApp } from './createDaemonApp.js'

class WidgetError extends HttpError {
  override name = 'WidgetError' as const
}

describe('createDaemonApp', () => {
  let base = ''
  let ready = false
  const seen: number[] = []
  const app = createDaemonApp({
    name: 'widget',
    logger: false,
    bodyLimit: 4096,
    maxJsonDepth: 8,
    ErrorClass: WidgetError,
    metrics: { registry: new Registry() },
    health: () => ({ role: 'widget' }),
    ready: () => ({ ready }),
    onError: (failure) => seen.push(failure.status),
  })
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/') && request.headers.authorization !== 'Bearer k') {
      throw new WidgetError('No key.', { status: 401, code: 'invalid_api_key', type: 'authentication_error' })
    }
  })
  app.post('/v1/echo', async (request) => ({ body: request.body }))
  app.get('/v1/secret', async () => ({ secret: true }))
  app.get('/boom', async () => {
    throw new Error('database password=hunter2 leaked')
  })

  before(async () => {
    base = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(() => app.close())

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
      body,
    })

  it('answers /health, /ready (503 until ready) and /metrics', async () => {
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'ok', role: 'widget' })
    assert.equal((await fetch(`${base}/ready`)).status, 503)
    ready = true
    assert.equal((await fetch(`${base}/ready`)).status, 200)
    const metrics = await fetch(`${base}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/)
  })

  it('parses JSON bodies and refuses deep nesting before parsing, with an OpenAI-style 400', async () => {
    assert.deepEqual(await (await post('/v1/echo', '{"a":[1,{"b":2}]}')).json(), {
      body: { a: [1, { b: 2 }] },
    })
    const deep = await post('/v1/echo', `${'['.repeat(100_000)}${']'.repeat(100_000)}`.slice(0, 4000))
    assert.equal(deep.status, 400)
    const body = (await deep.json()) as { error: { message: string; code: string; type: string } }
    assert.equal(body.error.message, 'The request body nests deeper than 8 levels.')
    assert.equal(body.error.type, 'invalid_request_error')
  })

  it('refuses prototype poisoning, malformed JSON, empty bodies, wrong media types and big bodies', async () => {
    const proto = await post('/v1/echo', '{"__proto__":{"admin":true}}')
    assert.equal(proto.status, 400)
    const bad = await post('/v1/echo', '{"a":')
    assert.equal(bad.status, 400)
    assert.match(
      ((await bad.json()) as { error: { message: string } }).error.message,
      /^The request body is not valid JSON/,
    )
    const empty = await post('/v1/echo', '')
    assert.equal(empty.status, 400)
    const media = await post('/v1/echo', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' })
    assert.equal(media.status, 415)
    const big = await post('/v1/echo', JSON.stringify({ text: 'x'.repeat(5000) }))
    assert.equal(big.status, 413)
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'body_too_large')
  })

  it('normalizes percent-encoded paths before hooks run, so /%761/secret needs the key too', async () => {
    for (const path of ['/%761/secret', '/v%31/secret', '/%76%31/secret']) {
      const response = await fetch(`${base}${path}`)
      assert.equal(response.status, 401, path)
    }
    const keyed = await fetch(`${base}/%761/secret`, { headers: { authorization: 'Bearer k' } })
    assert.deepEqual(await keyed.json(), { secret: true })
  })

  it('answers unknown routes with a 404 in OpenAI shape and hides internal errors behind a 500', async () => {
    const missing = await fetch(`${base}/nope`)
    assert.equal(missing.status, 404)
    assert.deepEqual(await missing.json(), {
      error: {
        message: 'No route GET /nope.',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    })
    const malformed = await fetch(`${base}/v1/%`)
    assert.equal(malformed.status, 400)
    assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_request')
    const boom = await fetch(`${base}/boom`)
    assert.equal(boom.status, 500)
    const text = await boom.text()
    assert.doesNotMatch(text, /hunter2/)
    assert.match(text, /The widget failed to answer; it keeps running, try again\./)
    assert.ok(seen.includes(404) && seen.includes(500))
    assert.equal((await fetch(`${base}/health`)).status, 200)
  })
})
