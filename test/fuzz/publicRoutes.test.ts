import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, spawnCli } from '@infermesh/cli/testing'
import fc from 'fast-check'
import OpenAI from 'openai'

/**
 * Generated bad input against every public route of every daemon of a real network (`infermesh up`:
 * anvil, the contracts, a provider on llama.cpp, a validator, the gateway, the explorer, each its own
 * process). Each property sends `runs` requests to one route: JSON bodies of every shape (known fields
 * with values of every type, deep and huge values), raw bytes that are not JSON, wrong content types,
 * forged voucher and key headers, encoded and odd paths. The daemon must answer each with a status
 * below 500 (or a 503 that says it is busy) and a JSON error in OpenAI's shape, never crash, and still
 * serve a real request through the openai SDK afterwards.
 *
 * `INFERMESH_FUZZ_RUNS` sets the runs per route: 1,000 in `npm test` (16 routes, about 3 minutes on 2
 * cores), 10,000 in `npm run fuzz`. `INFERMESH_FUZZ_SEED` replays a run.
 */
const runs = Number(process.env.INFERMESH_FUZZ_RUNS ?? 1000)
const seed = Number(process.env.INFERMESH_FUZZ_SEED ?? Date.now() % 2 ** 31)

type Target = {
  daemon: 'provider' | 'gateway' | 'validator' | 'explorer'
  method: 'GET' | 'POST'
  path: string
}

/** OpenAI's other chat and completion parameters: each honoured, harmless, or refused unless a no-op. */
const openAIParameters = [
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'top_logprobs',
  'tool_choice',
  'parallel_tool_calls',
  'functions',
  'function_call',
  'audio',
  'modalities',
  'prediction',
  'reasoning_effort',
  'verbosity',
  'web_search_options',
  'service_tier',
  'store',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'best_of',
  'echo',
  'suffix',
  'dimensions',
]

const knownFields = [
  'model',
  'messages',
  'prompt',
  'input',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stream',
  'stream_options',
  'seed',
  'stop',
  'n',
  'logprobs',
  'encoding_format',
  'provider',
  'user',
  'tools',
  'response_format',
  ...openAIParameters,
  'receipt',
  'request',
  'response',
  'signature',
  'profile',
  'nonce',
  'deadline',
]

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53, 1e-320, 4096, 1e12),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'tiny',
    'TINY',
    `0x${'ab'.repeat(32)}`,
    '',
    ' ',
    '\u0000',
    '\ud800',
    '%761',
    '../../etc/passwd',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
)
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('object'),
    tie('message'),
  ),
  array: fc.array(tie('any'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...knownFields)), tie('any'), {
    maxKeys: 5,
  }),
  message: fc.record(
    {
      role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer'), scalar),
      content: tie('any'),
    },
    { requiredKeys: [] },
  ),
})).any

/** A body close enough to a real request to pass some checks, with every field possibly wrong. */
const requestLike = fc.dictionary(fc.constantFrom(...knownFields), value, { maxKeys: 8 }).map((body) => {
  // Keep any generation short: the fuzz checks handling, not the model.
  if ('max_tokens' in body && typeof body.max_tokens === 'number' && body.max_tokens > 8) body.max_tokens = 8
  else if (!('max_tokens' in body)) body.max_tokens = 2
  return body
})

const bodyText = fc.oneof(
  { weight: 4, arbitrary: requestLike.map((body) => JSON.stringify(body)) },
  { weight: 2, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 5000 })
      .map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"model":',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
      'null',
      '[]',
      '"x"',
    ),
  },
)

const header = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.base64String({ maxLength: 400 }),
)

const request = fc.record({
  body: bodyText,
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
  ),
  voucher: header,
  auth: fc.constantFrom('key', 'none', 'wrong', 'empty'),
  pathSuffix: fc.constantFrom('', '', '', '/', '?x=1', '?model=%00', '/extra', '%2e', '/..'),
})

function encodedPath(path: string, choice: number): string {
  if (choice === 1) return path.replace('v1', '%761')
  if (choice === 2) return path.replace(/([a-z])/, (c) => `%${c.charCodeAt(0).toString(16)}`)
  return path
}

describe('every public route of every daemon survives generated bad input', { timeout: 60 * 60_000 }, () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  const statuses = new Map<string, Map<number, number>>()

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-fuzz-'))
    up = spawnCli([
      'up',
      '--providers',
      '1',
      '--validators',
      '1',
      '--sampling',
      '0',
      '--probe-tokens',
      '0',
      '--chain-port',
      '0',
      '--port',
      '0',
      '--explorer-port',
      '0',
      '--dir',
      dir,
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 300_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
  })
  after(async () => {
    const summary = Object.fromEntries(
      [...statuses].map(([route, counts]) => [
        route,
        Object.fromEntries([...counts].sort(([a], [b]) => a - b)),
      ]),
    )
    console.log(
      `fuzz seed ${seed}, ${runs} runs per route; statuses per route:`,
      JSON.stringify(summary, null, 1),
    )
    if (process.env.INFERMESH_FUZZ_REPORT)
      await writeFile(process.env.INFERMESH_FUZZ_REPORT, JSON.stringify({ seed, runs, summary }, null, 2))
    await up?.stop('SIGTERM')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const targets: Target[] = [
    { daemon: 'provider', method: 'POST', path: '/v1/chat/completions' },
    { daemon: 'provider', method: 'POST', path: '/v1/completions' },
    { daemon: 'provider', method: 'POST', path: '/v1/embeddings' },
    { daemon: 'provider', method: 'POST', path: '/infermesh/v1/vouchers' },
    { daemon: 'provider', method: 'GET', path: '/v1/models' },
    { daemon: 'gateway', method: 'POST', path: '/v1/chat/completions' },
    { daemon: 'gateway', method: 'POST', path: '/v1/completions' },
    { daemon: 'gateway', method: 'POST', path: '/v1/embeddings' },
    { daemon: 'gateway', method: 'GET', path: '/v1/models' },
    { daemon: 'gateway', method: 'GET', path: '/v1/usage' },
    { daemon: 'validator', method: 'POST', path: '/infermesh/v1/samples' },
    { daemon: 'validator', method: 'GET', path: '/infermesh/v1/reports' },
    { daemon: 'validator', method: 'GET', path: '/infermesh/v1/reputation' },
    { daemon: 'explorer', method: 'POST', path: `/api/providers/${'0x'.padEnd(42, '1')}/profile` },
    { daemon: 'explorer', method: 'GET', path: '/api/providers/0x' },
    { daemon: 'explorer', method: 'GET', path: '/api/overview' },
  ]

  const baseOf = (daemon: Target['daemon']) => {
    if (daemon === 'provider') return devnet.providers[0]?.url as string
    if (daemon === 'gateway') return devnet.gateway?.url as string
    if (daemon === 'validator') return devnet.validators[0]?.url as string
    return devnet.explorer?.url as string
  }

  for (const target of targets) {
    it(`${target.daemon} ${target.method} ${target.path}: no 5xx, JSON errors, still serving`, async () => {
      const base = baseOf(target.daemon)
      const counts = new Map<number, number>()
      statuses.set(`${target.daemon} ${target.method} ${target.path}`, counts)
      await fc.assert(
        fc.asyncProperty(request, fc.integer({ min: 0, max: 4 }), async (input, encode) => {
          const headers: Record<string, string> = {}
          if (input.contentType && target.method === 'POST') headers['content-type'] = input.contentType
          if (input.voucher !== undefined) headers['x-infermesh-voucher'] = input.voucher
          if (input.auth === 'key') headers.authorization = `Bearer ${devnet.gateway?.apiKey}`
          else if (input.auth === 'wrong') headers.authorization = 'Bearer im_wrong'
          else if (input.auth === 'empty') headers.authorization = 'Bearer '
          let path = encodedPath(target.path, encode) + (target.method === 'GET' ? input.pathSuffix : '')
          if (target.path === '/api/providers/0x')
            path = `/api/providers/${[...Buffer.from(input.body.slice(0, 60))].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`
          const response = await fetch(`${base}${path}`, {
            method: target.method,
            headers,
            body: target.method === 'POST' ? input.body : undefined,
            signal: AbortSignal.timeout(60_000),
          })
          const text = await response.text()
          counts.set(response.status, (counts.get(response.status) ?? 0) + 1)
          const busy = response.status === 503 && /shutting_down|busy|no_provider|overloaded|queue/.test(text)
          assert.ok(
            response.status < 500 || busy,
            `${response.status} for ${path} ${input.body.slice(0, 300)}: ${text.slice(0, 300)}`,
          )
          if (response.status >= 400) {
            const error = (JSON.parse(text) as { error?: { message?: unknown; code?: unknown } }).error
            assert.equal(typeof error?.message, 'string', text.slice(0, 200))
            assert.equal(typeof error?.code, 'string', text.slice(0, 200))
          }
        }),
        { numRuns: runs, seed, endOnFailure: true },
      )
      const health = await fetch(`${base}/health`)
      assert.equal(health.status, 200)
    })
  }

  // The gateway and the provider check bodies with the same checkRequestBody: for a body close to a
  // valid chat or completion with one parameter of any value added, both refuse it (the same code,
  // param and message) or neither does. The gateway answers before routing; the provider before the
  // voucher, which is why it is sent none.
  const oneParameter = fc.record({
    kind: fc.constantFrom('chat', 'completion'),
    field: fc.constantFrom(...knownFields.filter((f) => f !== 'provider'), 'top_k', 'messages', 'prompt'),
    value: fc.oneof(
      value,
      fc.constantFrom(
        0,
        1,
        2,
        true,
        false,
        [],
        {},
        'none',
        'auto',
        'text',
        { type: 'text' },
        { type: 'json_object' },
      ),
    ),
  })
  const isBodyRefusal = (error: { code?: string; message?: string } | undefined) =>
    error?.code === 'unsupported_parameter' ||
    /^(Unrecognized request argument supplied|Invalid request: |`stream_options`)/.test(error?.message ?? '')
  it('the gateway and the provider refuse the same bodies with the same error, before routing or payment', async () => {
    const gateway = baseOf('gateway')
    const provider = baseOf('provider')
    let refused = 0
    await fc.assert(
      fc.asyncProperty(oneParameter, async ({ kind, field, value }) => {
        const body = {
          model: 'tiny',
          ...(kind === 'chat' ? { messages: [{ role: 'user', content: 'hi' }] } : { prompt: 'hi' }),
          max_tokens: 1,
          [field]: value,
        }
        const path = kind === 'chat' ? '/v1/chat/completions' : '/v1/completions'
        const send = async (base: string, headers: Record<string, string>) => {
          const response = await fetch(`${base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(60_000),
          })
          // A request both accept may stream (stream: true): its events are no error.
          const text = await response.text()
          let error: { code?: string; message?: string; param?: string } | undefined
          try {
            error = (JSON.parse(text) as { error?: typeof error }).error
          } catch {}
          return { status: response.status, error }
        }
        const [atGateway, atProvider] = await Promise.all([
          send(gateway, { authorization: `Bearer ${devnet.gateway?.apiKey}` }),
          send(provider, {}),
        ])
        const both = `${JSON.stringify(body).slice(0, 300)}: gateway ${atGateway.status} ${JSON.stringify(atGateway.error)}, provider ${atProvider.status} ${JSON.stringify(atProvider.error)}`
        assert.equal(isBodyRefusal(atGateway.error), isBodyRefusal(atProvider.error), both)
        if (!isBodyRefusal(atGateway.error)) return
        refused++
        assert.equal(atGateway.status, 400, both)
        assert.deepEqual(
          {
            status: atProvider.status,
            code: atProvider.error?.code,
            param: atProvider.error?.param,
            message: atProvider.error?.message,
          },
          {
            status: 400,
            code: atGateway.error?.code,
            param: atGateway.error?.param,
            message: atGateway.error?.message,
          },
        )
      }),
      { numRuns: Math.max(50, Math.floor(runs / 4)), seed, endOnFailure: true },
    )
    assert.ok(refused > 0)
  })

  it('every daemon still runs and the network still serves a chat through the openai SDK', async () => {
    const pids = [
      devnet.gateway?.pid,
      ...devnet.providers.map((p) => p.pid),
      ...devnet.validators.map((v) => v.pid),
    ]
    for (const pid of pids)
      assert.doesNotThrow(() => process.kill(pid as number, 0), `process ${pid} is gone`)
    const client = new OpenAI({
      baseURL: `${devnet.gateway?.url}/v1`,
      apiKey: devnet.gateway?.apiKey,
      maxRetries: 0,
    })
    const answer = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 4,
    })
    assert.equal(answer.object, 'chat.completion')
    assert.ok((answer.usage?.completion_tokens ?? 0) > 0)
  })
})
