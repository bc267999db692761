import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import {
  computeCost,
  encodeSignedVoucher,
  providerConfigSchema,
  receiptHeader,
  signVoucher,
  type Voucher,
  voucherHeader,
} from '@infermesh/protocol'
import OpenAI, { BadRequestError, NotFoundError } from 'openai'
import pino from 'pino'
import { type Hex, parseEther } from 'viem'
import { startProvider } from './startProvider.js'
import { devAccount, type Fixture, prices, startFixture } from './testing/providerFixture.js'

// Every bad input a provider meets in the wild, each refused with the status, OpenAI error shape and
// sentence a client sees, and the daemon serving on afterwards. One real network: anvil, the contracts,
// the tiny GGUF model on llama.cpp, real HTTP.

type ErrorBody = {
  error: {
    message: string
    type: string
    param: string | null
    code: string
    infermesh?: Record<string, string>
  }
}

const creditLimit = parseEther('2')
const wei = (amount: bigint) => amount.toString()

describe('a provider refusing bad input, each with an OpenAI-shaped error, and serving on', () => {
  let fx: Fixture
  let client: OpenAI

  before(async () => {
    fx = await startFixture({ creditLimit })
    client = new OpenAI({ baseURL: `${fx.provider.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  })
  after(async () => {
    await fx?.close()
  })
  afterEach(async () => {
    // After every refusal the daemon is alive and well.
    const health = await fetch(`${fx.provider.url}/health`)
    assert.equal(health.status, 200)
  })

  const url = (path: string) => `${fx.provider.url}${path}`
  const voucher = (amount?: bigint) => fx.wallet.header(fx.modelId, amount)

  /** POSTs a raw or JSON body; returns status, headers and the parsed answer. */
  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(url(path), {
      method: 'POST',
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown }
  }
  const chat = (body: unknown, headers: Record<string, string> = {}) =>
    post('/v1/chat/completions', body, headers)

  const refusal = (
    code: string,
    type: string,
    param: string | null,
    message: string,
    infermesh?: Record<string, string>,
  ): ErrorBody => ({ error: { message, type, param, code, ...(infermesh && { infermesh }) } })

  /** A small chat the payer pays for with its current voucher; the wallet learns the receipt. */
  async function paidChat(content = 'Hello there', maxTokens = 8) {
    const { status, headers, body } = await chat(
      { model: 'tiny', messages: [{ role: 'user', content }], max_tokens: maxTokens, temperature: 0 },
      { [voucherHeader]: await voucher() },
    )
    assert.equal(status, 200, JSON.stringify(body))
    const header = headers.get(receiptHeader)
    assert.ok(header, 'the answer carries a receipt')
    return { receipt: fx.wallet.learn(header).receipt, body: body as OpenAI.ChatCompletion }
  }

  /** The provider's record of the channel, read by handing in a voucher: `{ owed, voucher }`. */
  async function channel(amount?: bigint) {
    const { status, body } = await post('/infermesh/v1/vouchers', undefined, {
      [voucherHeader]: await voucher(amount),
    })
    assert.equal(status, 200, JSON.stringify(body))
    const state = body as { owed: string; voucher: string }
    return { owed: BigInt(state.owed), voucher: BigInt(state.voucher) }
  }

  /** The provider's worst case for a chat: a token per byte of the messages, every allowed output token. */
  const worstCase = (messages: unknown, maxTokens: number) =>
    computeCost({
      inputTokens: BigInt(Buffer.byteLength(JSON.stringify({ messages }))),
      outputTokens: BigInt(maxTokens),
      ...prices,
    })

  /** A voucher signed by `signer` claiming to be `voucher.payer`'s (a forgery when they differ). */
  async function signedBy(signer: ReturnType<typeof devAccount>, fields: Partial<Voucher>) {
    const voucher: Voucher = {
      payer: fx.payer.address,
      provider: fx.providerAccount.address,
      modelId: fx.modelId,
      cumulativeAmount: fx.wallet.cumulative.get(fx.modelId) ?? 0n,
      ...fields,
    }
    const signature = await signVoucher({
      account: signer,
      chainId: fx.deployment.chainId,
      payments: fx.deployment.contracts.payments,
      voucher,
    })
    return encodeSignedVoucher({ voucher, signature })
  }

  const hello = [{ role: 'user', content: 'Hello there' }]

  describe('the body', () => {
    it('refuses a body that is not JSON with 400 invalid_request', async () => {
      const { status, body } = await chat('{"model": "tiny", "messages": [', {
        [voucherHeader]: await voucher(),
      })
      assert.equal(status, 400)
      // Deliberate change (issue 10): the daemon kit's JSON parser (bounded depth, no prototype
      // poisoning) says what is wrong with the JSON, where Fastify's parser said only that it was not.
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          null,
          'The request body is not valid JSON: Unexpected end of JSON input',
        ),
      )
    })

    it('refuses a JSON body that is not an object with 400 invalid_request', async () => {
      const { status, body } = await chat(['tiny', hello])
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal('invalid_request', 'invalid_request_error', null, 'The request body must be a JSON object.'),
      )
    })

    it('refuses a chat without messages with 400 naming `messages`', async () => {
      const { status, body } = await chat({ model: 'tiny', max_tokens: 8 })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'messages',
          'Invalid request: `messages` Invalid input: expected array, received undefined.',
        ),
      )
    })

    it('refuses max_tokens given as a word with 400 naming `max_tokens`', async () => {
      const { status, body } = await chat({ model: 'tiny', messages: hello, max_tokens: 'ten' })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'max_tokens',
          'Invalid request: `max_tokens` Invalid input: expected number, received string.',
        ),
      )
    })

    it('refuses a temperature above 2 with 400 naming `temperature`', async () => {
      const { status, body } = await chat({ model: 'tiny', messages: hello, temperature: 5 })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'temperature',
          'Invalid request: `temperature` Too big: expected number to be <=2.',
        ),
      )
    })

    it('refuses a body over 1 MiB with 413 body_too_large', async () => {
      const padding = 'x'.repeat(1024 * 1024)
      const { status, body } = await chat(
        { model: 'tiny', messages: [{ role: 'user', content: padding }] },
        { [voucherHeader]: await voucher() },
      )
      assert.equal(status, 413)
      assert.deepEqual(
        body,
        refusal(
          'body_too_large',
          'invalid_request_error',
          null,
          'The request body is larger than 1048576 bytes.',
        ),
      )
    })
  })

  describe('the request', () => {
    it('answers an unknown model with 404 model_not_found, raised by the openai package as NotFoundError', async () => {
      const error = await client.chat.completions
        .create(
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8 },
          { headers: { [voucherHeader]: await voucher() } },
        )
        .then(
          () => assert.fail('an unknown model is refused'),
          (error: unknown) => error,
        )
      assert.ok(error instanceof NotFoundError, String(error))
      assert.equal(error.status, 404)
      assert.equal(error.code, 'model_not_found')
      assert.equal(error.param, 'model')
      assert.equal(error.type, 'invalid_request_error')
      assert.equal(error.message, "404 The model 'gpt-4o' is not served by this provider. Models: tiny.")
    })

    it('refuses a prompt longer than the context with 400 context_length_exceeded', async () => {
      const { status, body } = await chat(
        { model: 'tiny', messages: [{ role: 'user', content: 'a'.repeat(300) }], max_tokens: 8 },
        { [voucherHeader]: await voucher() },
      )
      assert.equal(status, 400)
      // BOS + `[INST] ` … ` [/INST] ` around the 300 bytes: 317 tokens of a 256-token context.
      assert.deepEqual(
        body,
        refusal(
          'context_length_exceeded',
          'invalid_request_error',
          'messages',
          'model "tiny" takes at most 256 tokens of prompt and completion, but the prompt alone is 317 tokens; shorten the prompt',
        ),
      )
    })

    it('refuses n: 2 with 400 unsupported_parameter', async () => {
      const { status, body } = await chat({ model: 'tiny', messages: hello, n: 2 })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'unsupported_parameter',
          'invalid_request_error',
          'n',
          'Unsupported parameter: `n`: n > 1 is not supported yet: send one request per completion (or leave n out, or send n: 1).',
        ),
      )
    })

    it('refuses tools with 400 unsupported_parameter', async () => {
      const { status, body } = await chat({
        model: 'tiny',
        messages: hello,
        tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object' } } }],
      })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'unsupported_parameter',
          'invalid_request_error',
          'tools',
          'Unsupported parameter: `tools`: tools (function calling) are not supported yet: leave them out or send [].',
        ),
      )
    })

    it('refuses legacy functions with 400 unsupported_parameter', async () => {
      const { status, body } = await chat({
        model: 'tiny',
        messages: hello,
        functions: [{ name: 'now', parameters: { type: 'object' } }],
      })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'unsupported_parameter',
          'invalid_request_error',
          'functions',
          'Unsupported parameter: `functions`: functions (function calling) are not supported yet: leave them out or send [].',
        ),
      )
    })

    it('refuses response_format json_object through the openai package with 400 unsupported_parameter, never free text', async () => {
      const error = await client.chat.completions
        .create(
          {
            model: 'tiny',
            messages: [{ role: 'user', content: 'Hello there' }],
            max_tokens: 8,
            response_format: { type: 'json_object' },
          },
          { headers: { [voucherHeader]: await voucher() } },
        )
        .then(
          () => assert.fail('json_object is refused, not answered with free text'),
          (error: unknown) => error,
        )
      assert.ok(error instanceof BadRequestError, String(error))
      assert.equal(error.status, 400)
      assert.equal(error.code, 'unsupported_parameter')
      assert.equal(error.param, 'response_format')
      assert.equal(error.type, 'invalid_request_error')
      assert.equal(
        error.message,
        '400 Unsupported parameter: `response_format`: structured output (json_object, json_schema) is not supported yet: leave response_format out or send {"type":"text"}.',
      )
    })

    it('serves the honoured parameters and the no-op values of the others through the openai package', async () => {
      const completion = await client.chat.completions.create(
        {
          model: 'tiny',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }],
          max_completion_tokens: 4,
          temperature: 0.7,
          top_p: 0.9,
          seed: 7,
          stop: ['\n\n'],
          n: 1,
          presence_penalty: 0,
          frequency_penalty: 0,
          logit_bias: {},
          logprobs: false,
          response_format: { type: 'text' },
          tools: [],
          parallel_tool_calls: false,
          user: 'customer-1',
          metadata: { team: 'a' },
          store: false,
          service_tier: 'auto',
        },
        { headers: { [voucherHeader]: await voucher() } },
      )
      assert.equal(completion.object, 'chat.completion')
      assert.ok(
        (completion.usage?.completion_tokens ?? 0) >= 1 && (completion.usage?.completion_tokens ?? 0) <= 4,
      )
      assert.equal(typeof completion.choices[0]?.message.content, 'string')
    })

    it('refuses a completion that carries messages (another endpoint’s field) with 400 naming `messages`', async () => {
      const error = await client.completions
        .create(
          {
            model: 'tiny',
            prompt: 'Hello',
            max_tokens: 4,
            messages: hello,
          } as OpenAI.CompletionCreateParamsNonStreaming,
          { headers: { [voucherHeader]: await voucher() } },
        )
        .then(
          () => assert.fail('a completion with messages is refused'),
          (error: unknown) => error,
        )
      assert.ok(error instanceof BadRequestError, String(error))
      assert.equal(error.code, 'invalid_request')
      assert.equal(error.param, 'messages')
      assert.equal(
        error.message,
        '400 Unrecognized request argument supplied: messages (a parameter of /v1/chat/completions, not of /v1/completions).',
      )
      const unknown = await chat({ model: 'tiny', messages: hello, top_k: 40 })
      assert.equal(unknown.status, 400)
      assert.deepEqual(
        unknown.body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'top_k',
          'Unrecognized request argument supplied: top_k.',
        ),
      )
    })

    it('refuses stream_options on a request that does not stream with 400 naming `stream_options`', async () => {
      const { status, body } = await chat({
        model: 'tiny',
        messages: hello,
        max_tokens: 8,
        stream_options: { include_usage: true },
      })
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'stream_options',
          '`stream_options` is only allowed when `stream` is true.',
        ),
      )
    })
  })

  describe('the voucher', () => {
    it('refuses a request without a voucher with 402 voucher_missing', async () => {
      const { status, body } = await chat({ model: 'tiny', messages: hello, max_tokens: 8 })
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'voucher_missing',
          'payment_error',
          'x-infermesh-voucher',
          'This provider is paid per request: send a signed voucher in the x-infermesh-voucher header (cumulative 0 on a new channel).',
        ),
      )
    })

    it('refuses a malformed voucher header with 400 invalid_request naming the header', async () => {
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: 'not+a+voucher' },
      )
      assert.equal(status, 400)
      assert.deepEqual(
        body,
        refusal(
          'invalid_request',
          'invalid_request_error',
          'x-infermesh-voucher',
          'The voucher header is malformed: Invalid x-infermesh-voucher header: it is not base64url (only A-Z, a-z, 0-9, - and _ are allowed).',
        ),
      )
    })

    it('refuses a voucher signed by another key than its payer with 402 voucher_invalid_signature', async () => {
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: await signedBy(devAccount(6), {}) },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'voucher_invalid_signature',
          'payment_error',
          'x-infermesh-voucher',
          `The voucher is not signed by its payer ${fx.payer.address} for chain ${fx.deployment.chainId} and Payments ${fx.deployment.contracts.payments}.`,
        ),
      )
    })

    it('refuses a voucher for another provider with 402 voucher_wrong_channel', async () => {
      const other = devAccount(7).address
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: await signedBy(fx.payer, { provider: other }) },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'voucher_wrong_channel',
          'payment_error',
          'x-infermesh-voucher',
          `The voucher pays provider ${other}; this provider is ${fx.providerAccount.address}.`,
        ),
      )
    })

    it('refuses a voucher for another model with 402 voucher_wrong_channel', async () => {
      const otherModel: Hex = `0x${'ab'.repeat(32)}`
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: await signedBy(fx.payer, { modelId: otherModel }) },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'voucher_wrong_channel',
          'payment_error',
          'x-infermesh-voucher',
          `The voucher is for model ${otherModel}; the request is for model ${fx.modelId}.`,
        ),
      )
    })

    it('refuses a voucher lower than one already accepted with 402 voucher_lowered', async () => {
      await paidChat()
      const { receipt } = await paidChat() // its voucher covers the first answer
      const accepted = receipt.cumulativeAmount - receipt.cost
      assert.ok(accepted > 0n)
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: await voucher(accepted - 1n) },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'voucher_lowered',
          'payment_error',
          'x-infermesh-voucher',
          `The voucher's cumulative ${accepted - 1n} is below the ${accepted} already signed for this channel.`,
        ),
      )
    })

    it('refuses a payer with nothing allocated to this provider with 402 deposit_insufficient', async () => {
      const broke = devAccount(5)
      const header = await signedBy(broke, { payer: broke.address, cumulativeAmount: 0n })
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8 },
        { [voucherHeader]: header },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'deposit_insufficient',
          'payment_error',
          null,
          `Payer ${broke.address} has nothing allocated to provider ${fx.providerAccount.address} in Payments: allocate part of its deposit to this provider.`,
        ),
      )
    })

    it('refuses a request whose max_tokens could cost more than the credit limit with 402 credit_limit_exceeded', async () => {
      await paidChat()
      const { owed } = await channel() // hands in the voucher for the last receipt: nothing unpaid
      const { status, body } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 1000 },
        { [voucherHeader]: await voucher() },
      )
      assert.equal(status, 402)
      assert.deepEqual(
        body,
        refusal(
          'credit_limit_exceeded',
          'payment_error',
          null,
          `Unpaid work (0) plus requests in flight (0) and this request (up to ${worstCase(hello, 1000)}) would exceed this provider's credit limit of ${creditLimit}: wait for answers and pay for them, or lower max_tokens.`,
          { owed: wei(owed), vouchered: wei(owed), unpaid: '0', creditLimit: wei(creditLimit) },
        ),
      )
    })

    it('admits concurrent requests only while together they stay within the credit limit', async () => {
      // Each may cost ~0.89 MESH: two fit in the 2 MESH limit, a third at the same time does not.
      const messages = [{ role: 'user', content: 'Count slowly' }]
      const maxTokens = 200
      const header = await voucher()
      const answers = await Promise.all(
        [1, 2, 3].map(() =>
          chat({ model: 'tiny', messages, max_tokens: maxTokens }, { [voucherHeader]: header }),
        ),
      )
      const statuses = answers.map((answer) => answer.status).sort()
      assert.deepEqual(statuses, [200, 200, 402])
      const refused = answers.find((answer) => answer.status === 402)?.body as ErrorBody
      const each = worstCase(messages, maxTokens)
      // Usually both others are still running; one may have finished and be billed (unpaid) already.
      const unpaid = BigInt(refused.error.infermesh?.unpaid ?? -1)
      const inFlight = BigInt(/in flight \((\d+)\)/.exec(refused.error.message)?.[1] ?? -1)
      assert.ok([0n, each, 2n * each].includes(inFlight), `${inFlight} in flight`)
      assert.ok(unpaid + inFlight + each > creditLimit)
      const owed = fx.wallet.cumulative.get(fx.modelId) ?? 0n
      assert.deepEqual(
        refused,
        refusal(
          'credit_limit_exceeded',
          'payment_error',
          null,
          `Unpaid work (${unpaid}) plus requests in flight (${inFlight}) and this request (up to ${each}) would exceed this provider's credit limit of ${creditLimit}: wait for answers and pay for them, or lower max_tokens.`,
          {
            owed: wei(owed + unpaid),
            vouchered: wei(owed),
            unpaid: wei(unpaid),
            creditLimit: wei(creditLimit),
          },
        ),
      )
      for (const answer of answers.filter((a) => a.status === 200)) {
        const header = answer.headers.get(receiptHeader)
        assert.ok(header)
        fx.wallet.learn(header)
      }
    })
  })

  it('bills the tokens a stream produced before the client went away, and stops generating', async () => {
    const content = 'Tell me a long story'
    const messages = [{ role: 'user', content }]
    // The same prompt unstreamed tells how many tokens the prompt is.
    const { body: twin } = await paidChat(content, 1)
    const promptTokens = BigInt(twin.usage?.prompt_tokens ?? 0)
    const before = await channel()
    assert.equal(before.owed, fx.wallet.cumulative.get(fx.modelId))

    const maxTokens = 200
    const controller = new AbortController()
    const response = await fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [voucherHeader]: await voucher() },
      body: JSON.stringify({ model: 'tiny', messages, max_tokens: maxTokens, temperature: 0, stream: true }),
      signal: controller.signal,
    })
    assert.equal(response.status, 200)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = ''
    let pieces = 0
    while (pieces < 3) {
      const { value, done } = await reader.read()
      assert.equal(done, false, 'the stream is cut by the client, not by the provider')
      text += decoder.decode(value, { stream: true })
      pieces = text.split('\n\n').filter((event) => /"content":"[^"]/.test(event)).length
    }
    controller.abort()
    await reader.cancel().catch(() => {})

    // The provider notices, stops, and bills what it produced.
    let after = before
    for (let i = 0; i < 100 && after.owed === before.owed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      after = await channel(before.owed)
    }
    const billed = after.owed - before.owed
    const inputCost = computeCost({ inputTokens: promptTokens, outputTokens: 0n, ...prices })
    const perOutputToken = computeCost({ inputTokens: 0n, outputTokens: 1n, ...prices })
    assert.ok(billed > inputCost, 'the aborted stream was billed')
    assert.equal((billed - inputCost) % perOutputToken, 0n, 'billed exactly prompt + whole output tokens')
    const outputTokens = (billed - inputCost) / perOutputToken
    assert.ok(outputTokens >= BigInt(pieces), `${outputTokens} tokens produced, ${pieces} pieces read`)
    assert.ok(
      outputTokens < BigInt(maxTokens),
      `generation stopped after ${outputTokens} of ${maxTokens} tokens`,
    )

    const metrics = await (await fetch(url('/metrics'))).text()
    assert.match(metrics, /^infermesh_provider_requests_total\{route="chat",model="tiny",status="499"\} 1$/m)
    assert.match(metrics, /^infermesh_provider_in_flight 0$/m)

    // The payer acknowledges the gap with a voucher at the new owed, and the provider takes it.
    assert.deepEqual(await channel(after.owed), { owed: after.owed, voucher: after.owed })
    fx.wallet.cumulative.set(fx.modelId, after.owed)
  })

  it('refuses an old voucher once unpaid work is beyond the credit limit with 402 voucher_stale and the channel state', async () => {
    // A gateway keeps sending the same voucher while receipts add up ...
    const stale = fx.wallet.cumulative.get(fx.modelId) ?? 0n
    const header = await voucher(stale)
    let owed = stale
    for (let i = 0; i < 3; i++) {
      const { status, headers } = await chat(
        { model: 'tiny', messages: hello, max_tokens: 8, temperature: 0 },
        { [voucherHeader]: header },
      )
      assert.equal(status, 200)
      owed = fx.wallet.learn(headers.get(receiptHeader) ?? '').receipt.cumulativeAmount
    }
    // ... and the operator restarts the provider with a lower credit limit than that unpaid work.
    const lowered = parseEther('0.15')
    assert.ok(owed - stale > lowered)
    await fx.restartProvider({ creditLimit: lowered })

    const { status, body } = await chat(
      { model: 'tiny', messages: hello, max_tokens: 8 },
      { [voucherHeader]: header },
    )
    assert.equal(status, 402)
    assert.deepEqual(
      body,
      refusal(
        'voucher_stale',
        'payment_error',
        'x-infermesh-voucher',
        `Payer ${fx.payer.address} has ${owed - stale} of completed work not covered by vouchers, above this provider's credit limit of ${lowered}: send a voucher for the last receipt (cumulative ${owed} on this channel).`,
        { owed: wei(owed), vouchered: wei(stale), unpaid: wei(owed - stale), creditLimit: wei(lowered) },
      ),
    )
    // The gateway resynchronizes with a voucher for the owed amount the refusal names.
    const infermesh = (body as ErrorBody).error.infermesh
    assert.equal(infermesh?.owed, wei(owed))
    await paidChat()
  })

  it('answers 502 upstream_unavailable when the upstream server of an openai-compatible backend is down', async () => {
    const closed = await closedPort()
    const upstreamUrl = `http://127.0.0.1:${closed}/v1`
    const config = providerConfigSchema.parse({
      ...fx.config,
      backend: {
        kind: 'openai-compatible',
        baseUrl: upstreamUrl,
        models: [{ name: 'tiny', modelId: fx.modelId, contextLength: 256 }],
      },
      database: { dir: join(fx.dir, 'upstream-db') },
    })
    const fronting = await startProvider({
      config,
      account: fx.providerAccount,
      logger: pino({ level: 'silent' }),
    })
    try {
      const response = await fetch(`${fronting.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [voucherHeader]: await voucher(0n) },
        body: JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 8 }),
      })
      assert.equal(response.status, 502)
      assert.deepEqual(
        await response.json(),
        refusal(
          'upstream_unavailable',
          'server_error',
          null,
          `The upstream at ${upstreamUrl} did not answer: fetch failed`,
        ),
      )
      assert.equal((await fetch(`${fronting.url}/health`)).status, 200)
    } finally {
      await fronting.close()
    }
  })

  it('still answers a valid request with 200 and a receipt after all the bad ones, and /health says ok', async () => {
    const { receipt, body } = await paidChat('Still there?')
    assert.equal(body.object, 'chat.completion')
    assert.equal(receipt.payer, fx.payer.address)
    const health = await fetch(url('/health'))
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok', provider: fx.providerAccount.address })
  })
})

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}
