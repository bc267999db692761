import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { devAccount, type NetworkFixture, startNetwork } from '@infermesh/gateway/testing'
import {
  decodeSignedReceipt,
  encodeSignedVoucher,
  hashReceipt,
  meshTokenAbi,
  paymentsAbi,
  receiptHeader,
  registryAbi,
  type SampleBody,
  signSample,
  signVoucher,
  uptimeAbi,
  voucherHeader,
} from '@infermesh/protocol'
import OpenAI from 'openai'
import pino from 'pino'
import { parseEther } from 'viem'
import { type RunningValidator, startValidator } from './startValidator.js'
import { validatorConfigSchema } from './validatorConfig.js'

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * A validator against a real network in this process: anvil with every contract (10-second epochs), one
 * provider on the tiny llama.cpp model, a gateway that samples every request (p = 1), and the validator
 * itself, staked and registered, re-executing with the same model file.
 */
describe('startValidator', () => {
  let net: NetworkFixture
  let validator: RunningValidator
  let client: OpenAI
  const validatorAccount = devAccount(6)
  const customer = devAccount(7)

  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 1, params: { epochLength: 10n } })
    const send = async (account: typeof customer, call: Record<string, unknown>) => {
      const { createWalletClient, http } = await import('viem')
      const wallet = createWalletClient({ account, transport: http(net.anvil.rpcUrl) })
      const hash = await wallet.writeContract({ ...call, chain: null } as never)
      await net.read.waitForTransactionReceipt({ hash })
    }
    const { token, payments } = net.deployment.contracts
    for (const account of [validatorAccount, customer]) {
      await send(devAccount(0), {
        address: token,
        abi: meshTokenAbi,
        functionName: 'mint',
        args: [account.address, parseEther('5000')],
      })
      await send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [payments, parseEther('100')],
      })
      await send(account, {
        address: payments,
        abi: paymentsAbi,
        functionName: 'deposit',
        args: [parseEther('100')],
      })
    }
    const config = validatorConfigSchema.parse({
      chain: { rpcUrl: net.anvil.rpcUrl, contracts: net.deployment.contracts },
      server: { port: 0 },
      models: [{ modelId: net.modelId, path: join(net.dir, 'tiny.gguf') }],
      verifier: { threads: 1 },
      probe: { intervalMs: 1_000, maxTokens: 4 },
      epochs: { pollMs: 500 },
    })
    validator = await startValidator({ config, account: validatorAccount, logger: pino({ level: 'silent' }) })
    client = new OpenAI({ baseURL: `${net.gateway.url}/v1`, apiKey: net.apiKey, maxRetries: 0 })
    // The gateway learns of the validator from the Registry.
    await net.gateway.discovery.refresh()
  })
  after(async () => {
    await validator?.close()
    await net?.close()
  })

  it('stakes and registers its endpoint in the Registry', async () => {
    const view = await net.read.readContract({
      address: net.deployment.contracts.registry,
      abi: registryAbi,
      functionName: 'getValidator',
      args: [validatorAccount.address],
    })
    assert.equal(view.active, true)
    assert.equal(view.endpoint, validator.url)
    assert.equal(view.stake, parseEther('1000'))
  })

  it('re-executes every request the gateway samples and finds each honest answer a pass', async () => {
    await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 8,
    })
    await client.completions.create({
      model: 'tiny',
      prompt: 'once upon',
      max_tokens: 8,
      temperature: 0.8,
      seed: 4,
    })
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'stream please' }],
      max_tokens: 8,
      stream: true,
    })
    for await (const _chunk of stream) {
      // drain
    }
    await net.gateway.sampler?.drain()
    await validator.idle()
    const reports = await until('three gateway samples re-executed', 20_000, async () => {
      const list = validator.reputation.reports(500).filter((r) => r.source === 'gateway')
      return list.length >= 3 ? list : undefined
    })
    assert.deepEqual(
      reports.map((r) => r.verdict),
      ['pass', 'pass', 'pass'],
      JSON.stringify(reports.map((r) => r.reasons)),
    )
    const reputation = (await (await fetch(`${validator.url}/infermesh/v1/reputation`)).json()) as {
      data: { provider: string; samples: number; reputation: number }[]
    }
    const provider = net.providers[0]?.account.address as string
    assert.equal(reputation.data.find((r) => r.provider === provider)?.reputation, 1)
  })

  it('submits uptime scores for the provider it probes once an epoch ends', async () => {
    const logs = await until('a ScoresSubmitted event', 30_000, async () => {
      const events = await net.read.getContractEvents({
        address: net.deployment.contracts.uptime,
        abi: uptimeAbi,
        eventName: 'ScoresSubmitted',
        fromBlock: 0n,
      })
      return events.find((e) => e.args.validator === validatorAccount.address)
    })
    const epoch = logs.args.epoch as bigint
    const [median, reports] = await net.read.readContract({
      address: net.deployment.contracts.uptime,
      abi: uptimeAbi,
      functionName: 'medianScore',
      args: [epoch, net.providers[0]?.account.address as `0x${string}`],
    })
    assert.equal(reports, 1n)
    assert.equal(median, 10_000, 'every probe of the live provider succeeded')
  })

  describe('refuses bad samples with an OpenAI-style error and keeps running', () => {
    let valid: SampleBody
    const post = (body: unknown, raw = false) =>
      fetch(`${validator.url}/infermesh/v1/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw ? (body as string) : JSON.stringify(body),
      })
    const expect = async (body: unknown, status: number, code: string, message: RegExp, raw = false) => {
      const response = await post(body, raw)
      const json = (await response.json()) as { error: { code: string; message: string; type: string } }
      assert.equal(response.status, status, JSON.stringify(json))
      assert.equal(json.error.code, code)
      assert.match(json.error.message, message)
    }

    before(async () => {
      // A real answer the customer paid the provider for directly.
      const provider = net.providers[0] as NetworkFixture['providers'][number]
      const voucher = {
        payer: customer.address,
        provider: provider.account.address,
        modelId: net.modelId,
        cumulativeAmount: 0n,
      }
      const chainId = net.deployment.chainId
      const { payments, disputes } = net.deployment.contracts
      const signature = await signVoucher({ account: customer, chainId, payments, voucher })
      const request = { model: 'tiny', prompt: 'a sample', max_tokens: 6, temperature: 0 }
      const response = await fetch(`${provider.running.url}/v1/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [voucherHeader]: encodeSignedVoucher({ voucher, signature }),
        },
        body: JSON.stringify(request),
      })
      const body = (await response.json()) as { choices: { text: string }[] }
      const encoded = response.headers.get(receiptHeader) as string
      const { receipt } = decodeSignedReceipt(encoded)
      const issuedAt = Math.floor(Date.now() / 1000)
      valid = {
        receipt: encoded,
        request,
        response: body.choices[0]?.text ?? '',
        issuedAt,
        signature: await signSample({
          account: customer,
          chainId,
          disputes,
          receiptDigest: hashReceipt(chainId, payments, receipt),
          issuedAt,
        }),
      }
    })

    it('400 for a body that is not JSON, or not a sample', async () => {
      await expect('{"receipt":', 400, 'invalid_request', /JSON/i, true)
      await expect({ receipt: 'x' }, 400, 'invalid_request', /^Invalid sample: request/)
    })
    it('400 for a receipt that cannot be decoded', async () => {
      await expect({ ...valid, receipt: 'not-a-receipt' }, 400, 'invalid_receipt', /cannot be decoded/)
    })
    it('400 when the response is not what the receipt hashed', async () => {
      await expect({ ...valid, response: `${valid.response}!` }, 400, 'payload_mismatch', /responseHash/)
      await expect(
        { ...valid, request: { ...valid.request, max_tokens: 7 } },
        400,
        'payload_mismatch',
        /requestHash/,
      )
    })
    it('401 when the payer did not sign it', async () => {
      const chainId = net.deployment.chainId
      const { payments, disputes } = net.deployment.contracts
      const { receipt } = decodeSignedReceipt(valid.receipt)
      const forged = await signSample({
        account: devAccount(9),
        chainId,
        disputes,
        receiptDigest: hashReceipt(chainId, payments, receipt),
        issuedAt: valid.issuedAt,
      })
      await expect(
        { ...valid, signature: forged },
        401,
        'invalid_sample_signature',
        /not signed by the payer/,
      )
    })
    it('400 when it is stale, and 409 when it comes twice', async () => {
      await expect(
        { ...valid, issuedAt: valid.issuedAt - 3600 },
        400,
        'sample_expired',
        /outside this validator's window/,
      )
      const first = await post(valid)
      assert.equal(first.status, 202)
      assert.deepEqual(await first.json(), {
        object: 'infermesh.sample',
        id: hashReceipt(
          net.deployment.chainId,
          net.deployment.contracts.payments,
          decodeSignedReceipt(valid.receipt).receipt,
        ),
        status: 'queued',
      })
      await expect(valid, 409, 'duplicate_sample', /already sampled/)
    })
    it('400 for a bad reports limit, 404 for an unknown route; /health still answers', async () => {
      const limit = await fetch(`${validator.url}/infermesh/v1/reports?limit=0`)
      assert.equal(limit.status, 400)
      const unknown = await fetch(`${validator.url}/nope`)
      assert.equal(unknown.status, 404)
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'not_found')
      assert.equal((await fetch(`${validator.url}/health`)).status, 200)
      assert.match(
        await (await fetch(`${validator.url}/metrics`)).text(),
        /infermesh_validator_samples_total\{outcome="accepted"\}/,
      )
    })
  })
})
