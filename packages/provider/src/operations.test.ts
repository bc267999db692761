import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { SettleResult } from '@infermesh/payments'
import {
  meshTokenAbi,
  paymentsAbi,
  providerConfigSchema,
  receiptEvent,
  receiptHeader,
  verifyReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import pino from 'pino'
import { createWalletClient, http, parseEther } from 'viem'
import { startProvider } from './startProvider.js'
import { type Fixture, startFixture } from './testing/providerFixture.js'

// Running a provider: its health, readiness and metrics endpoints, its bounded queue, a graceful
// shutdown, restarts (clean and after a crash) that lose no voucher, and redemption when a payer
// asks to withdraw. Real anvil, contracts, llama.cpp and HTTP throughout.

const hello = [{ role: 'user', content: 'Hello there' }]

describe('a provider in operation', () => {
  let fx: Fixture

  before(async () => {
    // One sequence and one queue place: a third request at once is refused.
    fx = await startFixture({ sequences: 1, maxQueue: 1 })
  })
  after(async () => {
    await fx?.close()
  })

  const url = (path: string) => `${fx.provider.url}${path}`

  /** A chat paid with the wallet's current voucher; returns the raw response. */
  async function chat(body: Record<string, unknown>) {
    return fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [voucherHeader]: await fx.wallet.header(fx.modelId) },
      body: JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 8, temperature: 0, ...body }),
    })
  }

  /** A paid, non-streamed chat; the wallet learns its receipt. */
  async function paidChat(maxTokens = 8) {
    const response = await chat({ max_tokens: maxTokens })
    const body = (await response.json()) as { usage: { prompt_tokens: number } }
    assert.equal(response.status, 200, JSON.stringify(body))
    const header = response.headers.get(receiptHeader)
    assert.ok(header, 'the answer carries a receipt')
    return { receipt: fx.wallet.learn(header).receipt, usage: body.usage }
  }

  /** Hands in the voucher for everything received so far; returns the channel `{ owed, voucher }`. */
  async function handIn(amount?: bigint) {
    const response = await fetch(url('/infermesh/v1/vouchers'), {
      method: 'POST',
      headers: { [voucherHeader]: await fx.wallet.header(fx.modelId, amount) },
    })
    const body = (await response.json()) as { owed: string; voucher: string }
    assert.equal(response.status, 200, JSON.stringify(body))
    return { owed: BigInt(body.owed), voucher: BigInt(body.voucher) }
  }

  const providerBalance = () =>
    fx.read.readContract({
      address: fx.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [fx.providerAccount.address],
    })
  const paidOnChain = () =>
    fx.read.readContract({
      address: fx.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'paid',
      args: [fx.payer.address, fx.providerAccount.address, fx.modelId],
    })
  /** What the provider keeps of a redeemed amount: 5% is burned and 10% is the model's royalty. */
  const providerShare = (amount: bigint) => amount - (amount * 500n) / 10_000n - (amount * 1000n) / 10_000n

  /** Reads a streamed chat to its end: the status, its receipt and whether it ended with [DONE]. */
  async function readStream(response: Response) {
    return { status: response.status, ...parseStream(await response.text()) }
  }

  it('answers GET /health with ok and its address', async () => {
    const response = await fetch(url('/health'))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { status: 'ok', provider: fx.providerAccount.address })
  })

  it('answers GET /ready with 200 once started', async () => {
    const response = await fetch(url('/ready'))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { ready: true })
  })

  it('exports requests, tokens in and out, queue depth and billed wei as Prometheus text', async () => {
    const { receipt, usage } = await paidChat()
    const response = await fetch(url('/metrics'))
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    const line = (sample: string) => new RegExp(`^${sample.replace(/[{}()|.+]/g, '\\$&')}$`, 'm')
    assert.match(text, line('infermesh_provider_requests_total{route="chat",model="tiny",status="200"} 1'))
    assert.match(text, line(`infermesh_provider_tokens_in_total{model="tiny"} ${usage.prompt_tokens}`))
    assert.match(text, line(`infermesh_provider_tokens_out_total{model="tiny"} ${receipt.outputTokens}`))
    assert.match(text, line('infermesh_provider_queue_depth 0'))
    assert.match(text, line(`infermesh_provider_billed_wei_total{model="tiny"} ${receipt.cost}`))
    assert.match(text, /^# TYPE infermesh_provider_tokens_per_second histogram$/m)
  })

  it('refuses requests beyond its sequence and queue with 429 queue_full and Retry-After, and serves the others', async () => {
    await handIn() // nothing unpaid, so the credit limit is no obstacle
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => chat({ max_tokens: 200, stream: true }).then(readStreamOrError)),
    )
    const served = answers.filter((answer) => answer.status === 200)
    const refused = answers.filter((answer) => answer.status === 429)
    assert.equal(served.length + refused.length, 5)
    assert.ok(served.length >= 2, `${served.length} served: the running one and the queued one`)
    assert.ok(refused.length >= 1, `${refused.length} refused`)
    for (const answer of refused) {
      assert.equal(answer.retryAfter, '1')
      assert.deepEqual(answer.body, {
        error: {
          message:
            'The provider is busy: 1 requests running and 1 queued. Retry in a second or use another provider.',
          type: 'rate_limit_error',
          param: null,
          code: 'queue_full',
        },
      })
    }
    for (const answer of served) {
      assert.ok(answer.receipt, 'a served stream ends with its receipt')
      assert.equal(answer.done, true)
      fx.wallet.learn(answer.receipt)
    }
  })

  /** A streamed answer read to its end, or an error answer with its Retry-After. */
  async function readStreamOrError(response: Response) {
    if (response.status !== 200)
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.json(),
        receipt: undefined,
        done: false,
      }
    return { ...(await readStream(response)), retryAfter: null, body: undefined }
  }

  it('keeps every voucher and receipt across a restart, and redeems them exactly once', async () => {
    await paidChat()
    await paidChat()
    const handed = await handIn()
    assert.equal(handed.voucher, handed.owed)
    const balanceBefore = await providerBalance()
    const paidBefore = await paidOnChain()
    const redeemable = handed.voucher - paidBefore
    assert.ok(redeemable > 0n)

    await fx.restartProvider()

    // The new process knows the channel: a lower voucher than the one handed in is refused ...
    const lowered = await fetch(url('/infermesh/v1/vouchers'), {
      method: 'POST',
      headers: { [voucherHeader]: await fx.wallet.header(fx.modelId, handed.voucher - 1n) },
    })
    assert.equal(lowered.status, 402)
    assert.equal(((await lowered.json()) as { error: { code: string } }).error.code, 'voucher_lowered')
    // ... and it has the same owed and voucher.
    assert.deepEqual(await handIn(), handed)
    // The voucher is redeemed exactly once, whether at the shutdown or now.
    await fx.provider.settler.settleNow()
    assert.equal(await paidOnChain(), handed.voucher)
    assert.equal((await providerBalance()) - balanceBefore, providerShare(redeemable))
    assert.deepEqual(counts(await fx.provider.settler.settleNow()), {
      channels: 0,
      amount: 0n,
      transactions: 0,
    })

    // Receipts continue from the owed amount the database kept.
    const { receipt } = await paidChat()
    assert.equal(receipt.cumulativeAmount, handed.owed + receipt.cost)
  })

  it('redeems after a crash the voucher it held when it was killed', async () => {
    // The same provider, database and configuration, run in a process that is killed without warning.
    await fx.provider.close()
    const child = await startChildProvider(fx.config, fx.dir)
    try {
      const serve = async () => {
        const response = await fetch(`${child.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [voucherHeader]: await fx.wallet.header(fx.modelId),
          },
          body: JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 8 }),
        })
        assert.equal(response.status, 200)
        return fx.wallet.learn(response.headers.get(receiptHeader) ?? '').receipt
      }
      await serve()
      await serve()
      const handedIn = await fetch(`${child.url}/infermesh/v1/vouchers`, {
        method: 'POST',
        headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) },
      })
      assert.equal(handedIn.status, 200)
    } finally {
      await child.kill()
    }
    const owed = fx.wallet.cumulative.get(fx.modelId) ?? 0n
    const paidBefore = await paidOnChain()
    const balanceBefore = await providerBalance()
    assert.ok(owed > paidBefore)

    await fx.restartProvider()
    assert.deepEqual(await handIn(), { owed, voucher: owed }, 'the channel survived the crash')
    const result = await fx.provider.settler.settleNow()
    assert.deepEqual(counts(result), { channels: 1, amount: owed - paidBefore, transactions: 1 })
    assert.equal(await paidOnChain(), owed)
    assert.equal((await providerBalance()) - balanceBefore, providerShare(owed - paidBefore))
  })

  it('after losing its database, adopts the payer’s voucher and redeems only what the chain has not paid', async () => {
    await paidChat()
    const owed = fx.wallet.cumulative.get(fx.modelId) ?? 0n
    const paidBefore = await paidOnChain()
    const config = providerConfigSchema.parse({ ...fx.config, database: { dir: join(fx.dir, 'new-db') } })
    const fresh = await startProvider({
      config,
      account: fx.providerAccount,
      logger: pino({ level: 'silent' }),
    })
    try {
      const response = await fetch(`${fresh.url}/infermesh/v1/vouchers`, {
        method: 'POST',
        headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) },
      })
      assert.deepEqual(await response.json(), {
        payer: fx.payer.address,
        modelId: fx.modelId,
        owed: owed.toString(),
        voucher: owed.toString(),
      })
      const result = await fresh.settler.settleNow()
      assert.deepEqual(counts(result), { channels: 1, amount: owed - paidBefore, transactions: 1 })
      assert.equal(await paidOnChain(), owed)
    } finally {
      await fresh.close()
    }
  })

  /** Has the payer ask Payments to release 1 MESH of its allocation to the provider. */
  async function requestRelease() {
    const payer = createWalletClient({
      account: fx.payer,
      chain: fx.read.chain,
      transport: http(fx.anvil.rpcUrl),
    })
    const hash = await payer.writeContract({
      address: fx.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'requestRelease',
      args: [fx.providerAccount.address, parseEther('1')],
    })
    assert.equal((await fx.read.waitForTransactionReceipt({ hash })).status, 'success')
  }

  /** Polls `Payments.paid` for up to 10 s until it reaches `amount`; returns the last value. */
  async function paidReaches(amount: bigint) {
    let paid = await paidOnChain()
    for (let i = 0; i < 100 && paid !== amount; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      paid = await paidOnChain()
    }
    return paid
  }

  it('redeems at once when a payer asks to release its allocation, without waiting for its schedule', async () => {
    await paidChat()
    const { voucher } = await handIn()
    assert.ok(voucher > (await paidOnChain()))
    await requestRelease()
    assert.equal(await paidReaches(voucher), voucher, 'redeemed within 10 s of the release request')
  })

  it('redeems a releasing payer’s voucher even below the minimum amount it redeems on schedule', async () => {
    await fx.restartProvider({ minRedeemAmount: parseEther('1000') })
    try {
      await paidChat()
      const { voucher } = await handIn()
      assert.ok(voucher > (await paidOnChain()))
      assert.deepEqual(counts(await fx.provider.settler.settleNow()), {
        channels: 0,
        amount: 0n,
        transactions: 0,
      })
      await requestRelease()
      assert.equal(await paidReaches(voucher), voucher, 'redeemed within 10 s of the release request')
    } finally {
      await fx.restartProvider({ minRedeemAmount: 0n })
    }
  })

  it('finishes a request in flight when closed, receipted, and refuses new ones', {
    timeout: 30_000,
  }, async () => {
    // Something to redeem at shutdown, as usual.
    await paidChat()
    const { voucher } = await handIn()
    // A client like a gateway: one kept-alive connection, the next request waiting for it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const chatBody = JSON.stringify({ model: 'tiny', messages: hello, max_tokens: 200, stream: true })
      const paid = async () => ({ [voucherHeader]: await fx.wallet.header(fx.modelId) })
      const inFlight = send(agent, url('/v1/chat/completions'), chatBody, await paid())
      assert.equal((await inFlight.started).statusCode, 200) // headers are out: generation has started
      // Closed twice at once, as by a second signal: it still closes once, in order.
      const closing = Promise.all([fx.provider.close(), fx.provider.close()])
      const next = send(agent, url('/v1/chat/completions'), chatBody, await paid())
      const fresh = send(false, url('/v1/chat/completions'), chatBody, await paid())

      const answer = await inFlight.done
      const finished = performance.now()
      assert.ok('status' in answer, 'the request in flight is answered')
      assert.equal(answer.status, 200)
      const { receipt, done } = parseStream(answer.body)
      assert.equal(done, true)
      assert.ok(receipt, 'the request in flight still gets its receipt')
      const signed = fx.wallet.learn(receipt)
      const { chainId, contracts } = fx.deployment
      assert.equal(await verifyReceipt({ chainId, payments: contracts.payments, ...signed }), true)

      // New requests are refused: on a new connection, and on the kept-alive one (503 in OpenAI's shape
      // when it gets there before the connection is closed).
      for (const refused of [await next.done, await fresh.done]) {
        if ('error' in refused)
          assert.ok(['ECONNREFUSED', 'ECONNRESET'].includes(refused.error), refused.error)
        else {
          assert.equal(refused.status, 503)
          assert.deepEqual(JSON.parse(refused.body), {
            error: {
              message: 'The provider is shutting down; send the request to another provider.',
              type: 'server_error',
              param: null,
              code: 'shutting_down',
            },
          })
        }
      }

      await closing
      // The client keeps its connection open; the provider does not wait for it to let go (Fastify's
      // keep-alive timeout is 72 s: a provider that waited would close only after it).
      const took = performance.now() - finished
      assert.ok(took < 60_000, `closed ${took} ms after the last answer`)
      // And redeemed the voucher it held on the way out.
      assert.equal(await paidOnChain(), voucher)
    } finally {
      agent.destroy()
    }
  })
})

/** The receipt and the end of an SSE body. */
function parseStream(text: string) {
  const events = text.split('\n\n').filter(Boolean)
  const receiptText = events.find((event) => event.startsWith(`event: ${receiptEvent}\n`))
  const receipt = receiptText
    ? (JSON.parse(receiptText.split('\ndata: ')[1] ?? '{}') as { receipt: string }).receipt
    : undefined
  return { events, receipt, done: events.at(-1) === 'data: [DONE]' }
}

/**
 * POSTs with node:http through `agent` (`false`: a new connection). `started` resolves with the
 * response head; `done` with the status and whole body, or the connection error's code.
 */
function send(agent: Agent | false, target: string, body: string, headers: Record<string, string>) {
  let onStart: (response: IncomingMessage) => void = () => {}
  const started = new Promise<IncomingMessage>((resolve) => {
    onStart = resolve
  })
  const done = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const req = httpRequest(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        onStart(res)
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    req.end(body)
  })
  return { started, done }
}

/**
 * Runs `startProvider` in a child process (so it can be killed without warning) with the fixture's
 * provider key; resolves with its URL. The script lives in `dir`, importing everything by absolute URL.
 */
async function startChildProvider(
  config: unknown,
  dir: string,
): Promise<{ url: string; kill: () => Promise<void> }> {
  const script = join(dir, 'child-provider.mjs')
  await writeFile(
    script,
    `import { providerConfigSchema } from ${JSON.stringify(import.meta.resolve('@infermesh/protocol'))}
import pino from ${JSON.stringify(import.meta.resolve('pino'))}
import { startProvider } from ${JSON.stringify(import.meta.resolve('./startProvider.ts'))}
import { devAccount } from ${JSON.stringify(import.meta.resolve('./testing/providerFixture.ts'))}
const config = providerConfigSchema.parse(JSON.parse(process.env.INFERMESH_TEST_CONFIG))
const provider = await startProvider({ config, account: devAccount(2), logger: pino({ level: 'silent' }) })
process.stdout.write('listening ' + provider.url + '\\n')
`,
  )
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      INFERMESH_TEST_CONFIG: JSON.stringify(config, (_key, value) =>
        typeof value === 'bigint' ? value.toString() : value,
      ),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    child.stdout?.on('data', (chunk) => {
      stdout += chunk
      const match = /listening (\S+)\n/.exec(stdout)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`the child provider exited with ${code}: ${stderr}`)))
  })
  return { url, kill }
}

/** What a settlement did, without the skipped and flushed counts these tests do not look at. */
function counts(result: SettleResult) {
  return { channels: result.channels, amount: result.amount, transactions: result.transactions }
}
