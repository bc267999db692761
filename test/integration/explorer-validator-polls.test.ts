import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  createValidatorPolls,
  explorerConfigSchema,
  migrateExplorerDatabase,
  type RunningExplorer,
  startExplorer,
} from '@infermesh/explorer'
import { type Database, openDatabase } from '@infermesh/node/database'
import { meshTokenAbi, registryAbi } from '@infermesh/protocol'
import { type RunningValidator, startValidator, validatorConfigSchema } from '@infermesh/validator'
import OpenAI from 'openai'
import pino from 'pino'
import { createWalletClient, http, parseEther } from 'viem'
import { devAccount, type NetworkFixture, startNetwork } from '../support/networkFixture.js'

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

type Verification = {
  samples: number
  passed: number
  drifted: number
  breached: number
  reputation: number | null
  validators: number
  reports: { validator: string; receiptDigest: string; source: string; verdict: string; reasons: string[] }[]
}
type ValidatorRow = {
  address: string
  endpoint: string
  stake: string
  answering: boolean | null
  error: string | null
  samplesChecked: number
  reports: number
}

/**
 * A real network (anvil, a provider on the tiny llama.cpp model, a gateway sampling every request), a real
 * validator re-executing the samples, a second validator registered at an endpoint nobody listens on, and
 * the explorer polling both.
 */
describe('the explorer polling validators', () => {
  let net: NetworkFixture
  let validator: RunningValidator
  let explorer: RunningExplorer
  const validatorAccount = devAccount(6)
  const silentValidator = devAccount(7)
  const provider = () => (net.providers[0] as NetworkFixture['providers'][number]).account.address
  const get = async <T>(path: string) => (await (await fetch(`${explorer.url}${path}`)).json()) as T

  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 1 })
    const { token, registry } = net.deployment.contracts
    const send = async (account: typeof validatorAccount, call: Record<string, unknown>) => {
      const wallet = createWalletClient({ account, transport: http(net.anvil.rpcUrl) })
      const hash = await wallet.writeContract({ ...call, chain: null } as never)
      await net.read.waitForTransactionReceipt({ hash })
    }
    for (const account of [validatorAccount, silentValidator])
      await send(devAccount(0), {
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [account.address, parseEther('5000')],
      })
    validator = await startValidator({
      config: validatorConfigSchema.parse({
        chain: { rpcUrl: net.anvil.rpcUrl, contracts: net.deployment.contracts },
        server: { port: 0 },
        models: [{ modelId: net.modelId, path: join(net.dir, 'tiny.gguf') }],
        verifier: { threads: 1 },
        probe: { intervalMs: 600_000, maxTokens: 4 },
        epochs: { pollMs: 60_000 },
      }),
      account: validatorAccount,
      logger: pino({ level: 'silent' }),
    })
    await net.gateway.discovery.refresh()
    const client = new OpenAI({ baseURL: `${net.gateway.url}/v1`, apiKey: net.apiKey, maxRetries: 0 })
    for (const content of ['hi', 'hello there'])
      await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content }],
        max_tokens: 6,
      })
    await net.gateway.sampler?.drain()
    await until('two gateway samples re-executed', 120_000, async () =>
      validator.reputation.reports(500).filter((r) => r.source === 'gateway').length >= 2 ? true : undefined,
    )
    await validator.idle()
    // Registered once the samples are done, so the gateway sent them all to the live validator.
    await send(silentValidator, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('1000')],
    })
    await send(silentValidator, {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('1000')],
    })
    await send(silentValidator, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerValidator',
      args: ['http://127.0.0.1:9'],
    })

    explorer = await startExplorer({
      config: explorerConfigSchema.parse({
        chain: {
          rpcUrl: net.anvil.rpcUrl,
          contracts: net.deployment.contracts,
          startBlock: net.deployment.startBlock.toString(),
        },
        server: { port: 0 },
        indexer: { confirmations: 0, pollMs: 100 },
        probes: { intervalMs: 60_000, timeoutMs: 500 },
        validators: { intervalMs: 300, timeoutMs: 500 },
        allowPrivatePeers: true, // the validators listen on 127.0.0.1
      }),
      logger: pino({ level: 'silent' }),
    })
  })
  after(async () => {
    await explorer?.close()
    await validator?.close()
    await net?.close()
  })

  it("shows the provider's verification record exactly as the validator reports it", async () => {
    const own = validator.reputation.of(provider())
    assert.ok(own && own.samples >= 2)
    const verification = await until('the explorer to read the validator', 60_000, async () => {
      const v = (await get<{ verification: Verification }>(`/api/providers/${provider()}`)).verification
      return v.samples === own.samples ? v : undefined
    })
    assert.deepEqual(
      [verification.passed, verification.drifted, verification.breached, verification.reputation],
      [own.passed, own.drifted, own.breached, own.reputation],
    )
    assert.equal(verification.validators, 1)
    const reports = validator.reputation.reports(500).filter((r) => r.provider === provider())
    assert.deepEqual(
      verification.reports.map((r) => [r.validator, r.receiptDigest, r.source, r.verdict, r.reasons]).sort(),
      reports
        .map((r) => [validatorAccount.address.toLowerCase(), r.receiptDigest, r.source, r.verdict, r.reasons])
        .sort(),
    )
  })

  it('lists both validators with their stake, and the silent one as not answering', async () => {
    const { validators } = await until('both validators polled', 60_000, async () => {
      const list = await get<{ validators: ValidatorRow[] }>('/api/validators')
      return list.validators.every((v) => v.answering !== null) ? list : undefined
    })
    const byAddress = new Map(validators.map((v) => [v.address, v]))
    const live = byAddress.get(validatorAccount.address.toLowerCase())
    const silent = byAddress.get(silentValidator.address.toLowerCase())
    assert.equal(validators.length, 2)
    assert.equal(live?.endpoint, validator.url)
    assert.equal(live?.answering, true)
    assert.equal(live?.stake, parseEther('1000').toString())
    assert.equal(
      live?.samplesChecked,
      validator.reputation.list().reduce((sum, r) => sum + r.samples, 0),
    )
    assert.equal(live?.reports, validator.reputation.reports(500).length)
    assert.equal(silent?.answering, false)
    assert.equal(silent?.reports, 0)
    assert.equal(silent?.stake, parseEther('1000').toString())
    assert.match(
      silent?.error ?? '',
      new RegExp(
        `^validator ${silentValidator.address.toLowerCase()} at http://127\\.0\\.0\\.1:9 could not be read`,
      ),
    )
  })

  it('refuses every method but GET on /api/validators with 405', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await fetch(`${explorer.url}/api/validators`, { method })
      assert.equal(response.status, 405, method)
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'method_not_allowed')
    }
  })

  describe('polling into a database of its own', () => {
    let db: Database
    before(async () => {
      db = await openDatabase()
      await migrateExplorerDatabase(db)
      // The provider and the validators the indexer found in the Registry (reputation is kept only for
      // providers the Registry knows).
      await db.query(
        `insert into providers (address, active, endpoint, region, gpu_model, gpu_count, vram_mb, cpu_cores, ram_mb,
           registered_block, registered_at) values ($1, true, 'http://127.0.0.1:9', '', '', 0, 0, 0, 0, 0, now())`,
        [provider().toLowerCase()],
      )
      await db.query(
        `insert into validators (address, active, endpoint) values ($1, true, $2), ($3, true, $4)`,
        [
          validatorAccount.address.toLowerCase(),
          validator.url,
          silentValidator.address.toLowerCase(),
          'http://127.0.0.1:9',
        ],
      )
    })
    after(async () => {
      await db?.close()
    })

    it('stores each report once, however often it is read, and skips the validator that does not answer', async () => {
      const rounds: number[] = []
      const warnings: object[] = []
      const polls = createValidatorPolls({
        db,
        intervalMs: 60_000,
        timeoutMs: 500,
        reportsLimit: 500,
        allowPrivatePeers: true,
        log: { warn: (obj) => warnings.push(obj) },
        onRound: (changed) => rounds.push(changed),
      })
      await polls.runOnce()
      await polls.runOnce()
      const expected = validator.reputation.reports(500).length
      const reputationRows = validator.reputation.list().length
      assert.deepEqual(rounds, [expected + reputationRows, 0], 'the second round found nothing new')
      const [stored] = await db.query<{ n: number }>('select count(*)::int as n from validator_reports')
      assert.equal(stored?.n, expected)
      const [silent] = await db.query<{ ok: boolean }>(
        'select ok from validator_polls where validator = $1',
        [silentValidator.address.toLowerCase()],
      )
      assert.equal(silent?.ok, false)
      assert.equal(warnings.length, 1, 'warned once about the silent validator')
    })
  })
})
