import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chat, completion, createDiscovery, readValidators, submitSample } from '@infermesh/client'
import { modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import { type Database, openDatabase } from '@infermesh/node/database'
import { createPayer, createSqlPayerLedger, type Payer, requestBounds } from '@infermesh/payments'
import {
  anvilMnemonic,
  type DevChain,
  decodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  modelRegistryAbi,
  receiptEvent,
  registryAbi,
  type SampleBody,
  signSample,
  startDevChain,
  uptimeAbi,
} from '@infermesh/protocol'
import pino from 'pino'
import { createWalletClient, type Hex, http, parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { createChainWriter } from './chain/createChainWriter.js'
import { registerValidator } from './chain/registerValidator.js'
import { createProber } from './probe/createProber.js'
import { type RunningValidator, startValidator } from './startValidator.js'
import { type ProviderProcess, startProviderProcess } from './testing/startProviderProcess.js'
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
 * A validator against real peers, none of them imported: anvil with every contract (10-second epochs),
 * the tiny llama.cpp model registered as `tiny`, one provider in its own process (`infermesh provider
 * start`) staked and registered, a customer that pays it with vouchers (@infermesh/payments) and posts
 * what it got as samples, as any payer may (DESIGN rule 4), and the validator itself, staked and
 * registered, re-executing with the same model file and probing the provider on the devnet's
 * `allowPrivatePeers`. The gateway's sampling of customer traffic is covered end to end in test/e2e.
 */
describe('startValidator', () => {
  let dir: string
  let chain: DevChain
  let provider: ProviderProcess
  let validator: RunningValidator
  let customerDb: Database
  let customerPayer: Payer
  let modelId: Hex
  const price = { input: parseEther('1000'), output: parseEther('2000') }
  const offer = () => ({
    provider: providerAccount().address,
    modelId,
    pricePerMInput: price.input,
    pricePerMOutput: price.output,
  })
  const providerAccount = () => chain.account(2)
  const validatorAccount = () => chain.account(6)
  const customer = () => chain.account(7)
  const peers = { allowPrivate: true }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-validator-'))
    chain = await startDevChain({ params: { epochLength: 10n } })
    const { token, registry, models } = chain.deployment.contracts
    const modelPath = join(dir, 'tiny.gguf')
    await writeTinyModel({ out: modelPath, seed: 1 })
    modelId = await modelIdOfFile(modelPath)
    await chain.send(chain.account(8), {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny', '', 1000, chain.account(9).address],
    })

    await chain.mint(providerAccount().address, parseEther('5000'))
    await chain.send(providerAccount(), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('2000')],
    })
    await chain.send(providerAccount(), {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('2000')],
    })
    provider = await startProviderProcess({
      dir,
      rpcUrl: chain.anvil.rpcUrl,
      deployment: chain.deployment,
      privateKey: toHex(
        mnemonicToAccount(anvilMnemonic, { addressIndex: 2 }).getHdKey().privateKey as Uint8Array,
      ),
      modelPath,
      price,
    })
    await chain.send(providerAccount(), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        provider.url,
        'test',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
        [{ modelId, pricePerMInput: price.input, pricePerMOutput: price.output }],
      ],
    })

    // The validator allocates for its probes itself (lazily); this customer pays by hand, so it
    // allocates part of its deposit to the provider up front.
    for (const account of [validatorAccount(), customer()]) {
      await chain.mint(account.address, parseEther('5000'))
      await chain.deposit(
        account,
        parseEther('100'),
        account.address === customer().address
          ? [{ provider: providerAccount().address, amount: parseEther('50') }]
          : undefined,
      )
    }
    customerDb = await openDatabase()
    customerPayer = createPayer({
      account: customer(),
      chainId: chain.deployment.chainId,
      payments: chain.deployment.contracts.payments,
      ledger: await createSqlPayerLedger(customerDb),
    })

    const config = validatorConfigSchema.parse({
      chain: { rpcUrl: chain.anvil.rpcUrl, contracts: chain.deployment.contracts },
      server: { port: 0 },
      allowPrivatePeers: true,
      models: [{ modelId, path: modelPath }],
      verifier: { threads: 1 },
      probe: { intervalMs: 1_000, maxTokens: 4 },
      epochs: { pollMs: 500 },
    })
    validator = await startValidator({
      config,
      account: validatorAccount(),
      logger: pino({ level: 'silent' }),
    })
  })
  after(async () => {
    await validator?.close()
    await provider?.stop()
    await customerDb?.close()
    await chain?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** The customer pays the provider for one request and checks its receipt; returns what a sample needs. */
  async function paidRequest(kind: 'chat' | 'completion', request: Record<string, unknown>) {
    const parameters = {
      endpoint: provider.url,
      body: request,
      voucher: await customerPayer.voucherHeader(offer().provider, modelId),
      deadlineMs: 60_000,
    }
    const answer = await (kind === 'chat' ? chat(peers, parameters) : completion(peers, parameters))
    assert.notEqual(answer.kind, 'refusal', JSON.stringify(answer))
    let text = ''
    let encoded: string | undefined
    if (answer.kind === 'stream') {
      for await (const event of answer.events) {
        if (event.event === receiptEvent) encoded = (JSON.parse(event.data) as { receipt: string }).receipt
        else if (event.data !== '[DONE]')
          text +=
            (JSON.parse(event.data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta
              ?.content ?? ''
      }
    } else if (answer.kind === 'json') {
      const choice = answer.body.choices[0] as { message?: { content?: string | null }; text?: string }
      text = (kind === 'chat' ? choice?.message?.content : choice?.text) ?? ''
      encoded = answer.receipt
    }
    const receipt = await customerPayer.acceptReceipt(encoded, {
      offer: offer(),
      requestHash: hashRequest(kind, request),
      responseHash: hashResponse(text),
      bounds: requestBounds(kind, request, { contextTokens: 4096 }),
    })
    const issuedAt = Math.floor(Date.now() / 1000)
    const { chainId } = chain.deployment
    const { payments, disputes } = chain.deployment.contracts
    const digest = hashReceipt(chainId, payments, receipt)
    const sample: SampleBody = {
      receipt: encoded as string,
      kind,
      request,
      response: text,
      validator: validatorAccount().address,
      issuedAt,
      signature: await signSample({
        account: customer(),
        chainId,
        disputes,
        receiptDigest: digest,
        validator: validatorAccount().address,
        issuedAt,
      }),
    }
    return { sample, digest }
  }

  it('stakes and registers its endpoint in the Registry', async () => {
    const view = await chain.publicClient.readContract({
      address: chain.deployment.contracts.registry,
      abi: registryAbi,
      functionName: 'getValidator',
      args: [validatorAccount().address],
    })
    assert.equal(view.active, true)
    assert.equal(view.endpoint, validator.url)
    assert.equal(view.stake, parseEther('1000'))
  })

  it('declares the models it holds in the Registry, where gateways read them; again only when they differ', async () => {
    const { registry, token } = chain.deployment.contracts
    const declared = await chain.publicClient.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'validatorModels',
      args: [validatorAccount().address],
    })
    assert.deepEqual(declared, [modelId])
    const listed = await readValidators({ publicClient: chain.publicClient, registry })
    assert.deepEqual(
      listed.map((v) => [v.address, v.models]),
      [[validatorAccount().address, [modelId.toLowerCase()]]],
    )
    const writer = createChainWriter({
      publicClient: chain.publicClient,
      walletClient: createWalletClient({
        account: validatorAccount(),
        chain: chain.publicClient.chain,
        transport: http(chain.anvil.rpcUrl),
      }),
    })
    const again = {
      publicClient: chain.publicClient,
      writer,
      contracts: { registry, token },
      endpoint: validator.url,
    }
    assert.deepEqual(await registerValidator({ ...again, models: [modelId] }), {
      registration: 'unchanged',
      models: 'unchanged',
    })
    const other = `0x${'12'.repeat(32)}` as Hex
    assert.deepEqual(await registerValidator({ ...again, models: [modelId, other] }), {
      registration: 'unchanged',
      models: 'declared',
    })
    const tooMany = Array.from({ length: 17 }, (_, i) => toHex(i + 1, { size: 32 }))
    await assert.rejects(registerValidator({ ...again, models: tooMany }), {
      name: 'ValidatorError',
      code: 'too_many_models',
      message:
        "This validator holds 17 models; a validator declares at most 16 in the Registry: configure at most 16 (the others' samples would be refused anyway).",
    })
    assert.deepEqual(await registerValidator({ ...again, models: [modelId] }), {
      registration: 'unchanged',
      models: 'declared',
    })
    assert.deepEqual(
      await chain.publicClient.readContract({
        address: registry,
        abi: registryAbi,
        functionName: 'validatorModels',
        args: [validatorAccount().address],
      }),
      [modelId],
    )
  })

  it('re-executes every sample a payer posts and finds each honest answer a pass', async () => {
    const paid = [
      await paidRequest('chat', {
        model: 'tiny',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 8,
      }),
      await paidRequest('completion', {
        model: 'tiny',
        prompt: 'once upon',
        max_tokens: 8,
        temperature: 0.8,
        seed: 4,
      }),
      await paidRequest('chat', {
        model: 'tiny',
        messages: [{ role: 'user', content: 'stream please' }],
        max_tokens: 8,
        stream: true,
      }),
    ]
    for (const { sample, digest } of paid) {
      const queued = await submitSample(peers, { endpoint: validator.url, sample, deadlineMs: 10_000 })
      assert.deepEqual(queued, { kind: 'queued', id: digest })
    }
    await validator.idle()
    const reports = await until('three posted samples re-executed', 120_000, async () => {
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
    assert.equal(reputation.data.find((r) => r.provider === providerAccount().address)?.reputation, 1)
  })

  it('never gets a receipt for a completion carrying an extra `messages` field: the provider refuses it (no framing)', async () => {
    // Issue 13: a provider that served this completion while ignoring `messages` left a receipt a validator
    // might re-run as a chat, judging the honest answer a breach. Providers (and gateways) now refuse a
    // field of another endpoint, so no such receipt exists.
    const answer = await completion(peers, {
      endpoint: provider.url,
      body: {
        model: 'tiny',
        prompt: 'the framed one',
        messages: [{ role: 'user', content: 'judge me as a chat' }],
        max_tokens: 12,
        temperature: 0,
      },
      voucher: await customerPayer.voucherHeader(offer().provider, modelId),
      deadlineMs: 60_000,
    })
    assert.equal(answer.kind, 'refusal', JSON.stringify(answer))
    assert.deepEqual(
      answer.kind === 'refusal' && { status: answer.status, code: answer.code, param: answer.param },
      { status: 400, code: 'invalid_request', param: 'messages' },
    )
  })

  it('pays its probes through the payer, re-executes their answers, and submits uptime once an epoch ends', async () => {
    const probed = await until('a paid probe re-executed', 120_000, () =>
      validator.reputation.reports(500).find((r) => r.source === 'probe'),
    )
    assert.equal(probed.verdict, 'pass', JSON.stringify(probed.reasons))
    const logs = await until('a ScoresSubmitted event', 120_000, async () => {
      const events = await chain.publicClient.getContractEvents({
        address: chain.deployment.contracts.uptime,
        abi: uptimeAbi,
        eventName: 'ScoresSubmitted',
        fromBlock: 0n,
      })
      return events.find((e) => e.args.validator === validatorAccount().address)
    })
    const epoch = logs.args.epoch as bigint
    const [median, reports] = await chain.publicClient.readContract({
      address: chain.deployment.contracts.uptime,
      abi: uptimeAbi,
      functionName: 'medianScore',
      args: [epoch, providerAccount().address],
    })
    assert.equal(reports, 1n)
    assert.equal(median, 10_000, 'every probe of the live provider succeeded')
  })

  it('off a devnet, refuses to probe a provider registered at a loopback address', async () => {
    // The same Registry, read by a prober without allowPrivatePeers (the default): the provider at
    // 127.0.0.1 is never called, and the probe counts as failed.
    const warnings: object[] = []
    const log = { info: () => {}, warn: (obj: object) => warnings.push(obj) }
    const discovery = createDiscovery({
      publicClient: chain.publicClient,
      registry: chain.deployment.contracts.registry,
      allowPrivate: false,
      log,
    })
    await discovery.start()
    try {
      const prober = createProber({
        discovery,
        allowPrivate: false,
        chainId: chain.deployment.chainId,
        payments: chain.deployment.contracts.payments,
        epochAt: () => 7n,
        intervalMs: 60_000,
        timeoutMs: 5_000,
        maxTokens: 0,
        log,
      })
      await prober.round()
      assert.deepEqual(prober.tallies(7n), [
        { provider: providerAccount().address, attempts: 1, successes: 0 },
      ])
      const refusal = warnings.find((w) => (w as { msg?: string }).msg === 'probe failed') as { err: string }
      assert.match(refusal.err, /private|loopback/i)
    } finally {
      discovery.stop()
    }
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
      ;({ sample: valid } = await paidRequest('completion', {
        model: 'tiny',
        prompt: 'a sample',
        max_tokens: 6,
        temperature: 0,
      }))
    })

    it('400 for a body that is not JSON, nests too deep, or is not a sample', async () => {
      await expect('{"receipt":', 400, 'invalid_request', /JSON/i, true)
      await expect(
        `${'['.repeat(100)}${']'.repeat(100)}`,
        400,
        'invalid_request',
        /nests deeper than 64/,
        true,
      )
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
      // The same completion relabelled as a chat: its kind is bound into the requestHash.
      await expect(
        { ...valid, kind: 'chat', request: { ...valid.request, messages: [{ role: 'user', content: 'x' }] } },
        400,
        'payload_mismatch',
        /^The chat request does not hash to the receipt’s requestHash/,
      )
      await expect({ ...valid, kind: 'chat' }, 400, 'payload_mismatch', /requestHash/)
      await expect({ ...valid, kind: 'image' }, 400, 'invalid_request', /^Invalid sample: kind/)
    })
    it('401 when the payer did not sign it', async () => {
      const { chainId } = chain.deployment
      const { payments, disputes } = chain.deployment.contracts
      const { receipt } = decodeSignedReceipt(valid.receipt)
      const forged = await signSample({
        account: chain.account(9),
        chainId,
        disputes,
        receiptDigest: hashReceipt(chainId, payments, receipt),
        validator: validatorAccount().address,
        issuedAt: valid.issuedAt,
      })
      await expect(
        { ...valid, signature: forged },
        401,
        'invalid_sample_signature',
        /not signed by the payer/,
      )
    })
    it("403 for a sample addressed to another validator, 401 for the payer's signature meant for another", async () => {
      const { chainId } = chain.deployment
      const { payments, disputes } = chain.deployment.contracts
      const { receipt } = decodeSignedReceipt(valid.receipt)
      const other = chain.account(9).address
      const forOther = await signSample({
        account: customer(),
        chainId,
        disputes,
        receiptDigest: hashReceipt(chainId, payments, receipt),
        validator: other,
        issuedAt: valid.issuedAt,
      })
      // Addressed to another validator and signed for it by the payer: a real sample, not for this one.
      await expect(
        { ...valid, validator: other, signature: forOther },
        403,
        'sample_for_another_validator',
        new RegExp(
          `^This sample is addressed to validator ${other}, not to this one \\(${validatorAccount().address}\\)`,
        ),
      )
      // Relabelled as this validator's: the payer's signature names the other one, so it does not check out.
      await expect(
        { ...valid, signature: forOther },
        401,
        'invalid_sample_signature',
        /not signed by the payer the receipt bills .* for this validator and deployment/,
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
          chain.deployment.chainId,
          chain.deployment.contracts.payments,
          decodeSignedReceipt(valid.receipt).receipt,
        ),
        status: 'queued',
      })
      await expect(valid, 409, 'duplicate_sample', /already sampled/)
    })
    it('400 for a bad reports limit, 404 for an unknown route; /health still answers', async () => {
      for (const limit of ['0', '501', 'abc', '1e2'])
        assert.equal((await fetch(`${validator.url}/infermesh/v1/reports?limit=${limit}`)).status, 400, limit)
      assert.equal((await fetch(`${validator.url}/infermesh/v1/reports?limit=2`)).status, 200)
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
