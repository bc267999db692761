import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, runCli, spawnCli } from '@infermesh/cli/testing'
import OpenAI from 'openai'
import { createPublicClient, http } from 'viem'

/** Whether a process with this id still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The value of a Prometheus counter or gauge with these labels, 0 when absent. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line ? Number(line.split(' ').at(-1)) : 0
}

/**
 * The whole network as a person starts it: `infermesh up --providers 3` as a process (anvil, the
 * contracts, three provider processes, the gateway process), then the official openai SDK against
 * the gateway from devnet.json, a provider killed under load, and a clean stop.
 */
describe('the network "infermesh up" starts, through the openai SDK', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let client: OpenAI
  let gatewayUrl: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-e2e-'))
    up = spawnCli(['up', '--providers', '3', '--chain-port', '0', '--port', '0', '--dir', dir])
    await up.waitFor(/Press Ctrl-C to stop\./, 240_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.ok(devnet.gateway, 'devnet.json names the gateway')
    gatewayUrl = devnet.gateway.url
    client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: devnet.gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await up?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('writes devnet.json with the chain, contracts, gateway, 3 providers, 4 validators and the dev accounts, and prints a curl line', () => {
    assert.equal(devnet.chainId, 31337)
    assert.deepEqual(Object.keys(devnet.contracts).sort(), [
      'disputes',
      'emissions',
      'jobCoordinator',
      'modelSharesFactory',
      'models',
      'payments',
      'questionOracle',
      'registry',
      'token',
      'uptime',
      'verificationFees',
    ])
    assert.equal(
      devnet.validators.length,
      4,
      'four validators by default: a committee of 3 besides the challenger',
    )
    assert.match(devnet.gateway?.apiKey ?? '', /^im_/)
    assert.equal(devnet.providers.length, 3)
    for (const provider of devnet.providers) {
      assert.match(provider.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.deepEqual(provider.models, ['tiny'])
    }
    assert.match(devnet.payer.privateKey, /^0x[0-9a-f]{64}$/)
    assert.match(devnet.deployer.privateKey, /^0x[0-9a-f]{64}$/)
    assert.ok(devnet.accounts.length >= 3 && /^\d+$/.test(devnet.startBlock))
    assert.ok(
      up
        .output()
        .includes(
          `curl ${gatewayUrl}/v1/chat/completions -H 'Authorization: Bearer ${devnet.gateway?.apiKey}'`,
        ),
    )
  })

  it('lists the tiny model once, offered by 3 providers, with their price range in the infermesh fields', async () => {
    const models = await client.models.list()
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['tiny'],
    )
    const info = (models.data[0] as unknown as { infermesh: Record<string, unknown> }).infermesh
    assert.equal(info.providers, 3)
    assert.deepEqual(info.pricePerMInput, { min: (10n ** 18n).toString(), max: (3n * 10n ** 18n).toString() })
    assert.deepEqual(info.pricePerMOutput, {
      min: (2n * 10n ** 18n).toString(),
      max: (6n * 10n ** 18n).toString(),
    })
  })

  it('answers a chat completion with usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 8,
    })
    assert.equal(completion.object, 'chat.completion')
    assert.equal(typeof completion.choices[0]?.message.content, 'string')
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0)
    assert.ok(
      (completion.usage?.completion_tokens ?? 0) > 0 && (completion.usage?.completion_tokens ?? 99) <= 8,
    )
  })

  it('streams a chat completion and ends with the usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Count' }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined | null
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    assert.ok(chunks > 1, 'more than one chunk')
    assert.ok(text.length > 0)
    assert.ok(usage && usage.completion_tokens > 0 && usage.completion_tokens <= 8)
  })

  it('serves embeddings (up enables them on the tiny model)', async () => {
    const result = await client.embeddings.create({ model: 'tiny', input: ['hello', 'world'] })
    assert.equal(result.data.length, 2)
    for (const item of result.data) {
      assert.ok(item.embedding.length > 0)
      assert.ok(item.embedding.every((x) => Number.isFinite(x)))
    }
    assert.ok(result.usage.prompt_tokens > 0)
  })

  it('refuses a wrong API key with 401', async () => {
    const stranger = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'im_wrong', maxRetries: 0 })
    await assert.rejects(stranger.models.list(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError)
      assert.equal(error.status, 401)
      assert.equal(error.message, '401 Incorrect API key provided. Create one with `infermesh keys create`.')
      return true
    })
  })

  it('answers 404 for a model nobody serves', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError)
        assert.equal(error.code, 'model_not_found')
        assert.equal(error.message, "404 No provider on the network offers the model 'gpt-9'.")
        return true
      },
    )
  })

  it('answers 400 for a body that is not JSON, and for messages that are not a list', async () => {
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devnet.gateway?.apiKey}`, 'content-type': 'application/json' },
      body: '{"model": "tiny", "messages": [',
    })
    assert.equal(response.status, 400)
    const body = (await response.json()) as { error: { code: string; message: string } }
    assert.equal(body.error.code, 'invalid_request')
    assert.match(body.error.message, /not valid JSON/)
    await assert.rejects(
      client.chat.completions.create({ model: 'tiny', messages: 'hello' as never }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error))
        assert.equal(error.status, 400)
        return true
      },
    )
  })

  it('answers all of 20 concurrent requests while a provider serving some of them is killed with SIGKILL (failover)', async () => {
    const failedOver = await metric(
      gatewayUrl,
      'infermesh_gateway_upstream_attempts_total',
      'outcome="connect_error"',
    )
    const load = Array.from({ length: 20 }, (_, i) =>
      client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: `Request ${i}: tell a story` }],
        max_tokens: 16,
      }),
    )
    // The victim is the first provider seen working on the load.
    let victim: Devnet['providers'][number] | undefined
    for (const deadline = Date.now() + 60_000; !victim && Date.now() < deadline; ) {
      for (const provider of devnet.providers)
        if ((await metric(provider.url, 'infermesh_provider_in_flight').catch(() => 0)) > 0) victim = provider
    }
    assert.ok(victim, 'a provider had requests in flight')
    process.kill(victim.pid, 'SIGKILL')
    const results = await Promise.allSettled(load)
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
    assert.deepEqual(failures, [], 'every request succeeded')
    for (const result of results)
      if (result.status === 'fulfilled') assert.ok((result.value.usage?.completion_tokens ?? 0) > 0)
    assert.ok(
      (await metric(gatewayUrl, 'infermesh_gateway_upstream_attempts_total', 'outcome="connect_error"')) >
        failedOver,
      'the gateway retried requests the killed provider dropped on another provider',
    )
    const index = devnet.providers.indexOf(victim) + 1
    await up.waitFor(new RegExp(`provider ${index} \\(pid ${victim.pid}\\) was killed by SIGKILL`), 60_000)
    assert.ok(alive(up.pid), 'up keeps running the rest')
    const after = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'still there?' }],
      max_tokens: 4,
    })
    assert.ok(after.choices.length === 1)
  })

  it('status shows every provider (the killed one does not answer), the payer deposit, and earnings once redeemed', async () => {
    type Status = {
      payer: { address: string; deposit: string }
      providers: { address: string; answers: boolean; stake: string; channels: { paid: string }[] }[]
    }
    let status: Status | undefined
    // Providers redeem their vouchers every 10 s (the config "up" writes).
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const result = await runCli(['status', '--json', '--devnet', join(dir, 'devnet.json')])
      assert.equal(result.code, 0, result.stderr)
      status = JSON.parse(result.stdout) as Status
      if (status.providers.some((p) => p.channels.some((c) => BigInt(c.paid) > 0n))) break
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    assert.ok(status)
    assert.equal(status.payer.address, devnet.payer.address)
    assert.ok(BigInt(status.payer.deposit) > 0n)
    assert.deepEqual(
      status.providers.map((p) => p.address).sort(),
      devnet.providers.map((p) => p.address).sort(),
    )
    const answering = status.providers.filter((p) => p.answers).length
    assert.equal(answering, 2, 'the killed provider does not answer')
    assert.ok(
      status.providers.some((p) => p.channels.some((c) => BigInt(c.paid) > 0n)),
      'a provider redeemed vouchers on-chain',
    )
  })

  it('stops every process on SIGTERM and exits 0', async () => {
    const pids = [...devnet.providers.map((p) => p.pid), devnet.gateway?.pid ?? 0]
    const code = await up.stop('SIGTERM')
    assert.equal(code, 0, up.output().slice(-3000))
    assert.match(up.output(), /SIGTERM: stopping the devnet…[\s\S]*\nstopped\.\n$/)
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone`)
    const chain = createPublicClient({ transport: http(devnet.rpcUrl, { retryCount: 0 }) })
    await assert.rejects(chain.getChainId(), 'the chain is stopped')
  })
})
