import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { type DevChain, meshTokenAbi, registryAbi, startDevChain } from '@infermesh/protocol'
import { type Hex, keccak256, type LocalAccount, parseEther, stringToHex } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { createIndexer } from '../indexer/createIndexer.js'
import { createEventHandlers } from '../indexer/eventHandlers.js'
import { readValidators } from '../queries/readValidators.js'
import { createValidatorPolls, maxValidatorAnswerBytes } from './createValidatorPolls.js'

const modelId = keccak256(stringToHex('model'))
const digest = (label: string) => keccak256(stringToHex(label))
const secret = 'SECRET-INTERNAL-TOKEN'

/** Writes `total` bytes of `chunk`s as fast as the client reads them; resolves what was written before it hung up. */
function writeHuge(response: ServerResponse, chunk: string, total: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0
    response.on('close', () => resolve(written))
    const pump = () => {
      while (written < total && !response.destroyed) {
        written += chunk.length
        if (!response.write(chunk)) return void response.once('drain', pump)
      }
      if (!response.destroyed) response.end()
    }
    pump()
  })
}

/**
 * Hostile behaviours' traces: requests seen, bytes written by each huge answer, each endless answer's
 * end. `armed`: whether `huge` and `endless` each misbehave (else they answer an empty list, so the rounds
 * of the other tests do not wait for them).
 */
type Traces = {
  armed: { huge: boolean; endless: boolean }
  hits: number
  hugeWritten: Promise<number>[]
  endless: ServerResponse[]
  endlessClosed: Promise<void>[]
}

/**
 * Validators whose endpoint is this server, under a path per behaviour (`/flood`, `/leak`, …): each is
 * registered in the Registry like any validator (whoever staked may be one). `internal` is a server
 * of the explorer's own network that a redirect points to.
 */
function hostileValidatorServer(
  provider: string,
  round: () => number,
  internal: () => string,
  traces: Traces,
): Server {
  const report = (i: number, reasons: string[]) => ({
    at: new Date(Date.now() - 1000 + i).toISOString(),
    provider,
    modelId,
    receiptDigest: digest(`${round()}-${i}`),
    source: 'gateway',
    verdict: 'pass',
    checkedTokens: 3,
    reasons,
    elapsedMs: 12.5,
  })
  return createServer((request, response) => {
    traces.hits++
    const [, behaviour, ...rest] = (request.url ?? '').split('?')[0]?.split('/') ?? []
    const route = `/${rest.join('/')}`
    const json = (body: unknown, status = 200) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    const reputation = [
      { provider, samples: 5000, passed: 5000, drifted: 0, breached: 0, reputation: 1 },
      // Records of accounts that are no providers at all.
      ...Array.from({ length: 19_999 }, (_, i) => ({
        provider: `0x${(i + 1).toString(16).padStart(40, '0')}`,
        samples: 1,
        passed: 1,
        drifted: 0,
        breached: 0,
        reputation: 1,
      })),
    ]
    if (route === '/infermesh/v1/reputation') return json({ data: behaviour === 'flood' ? reputation : [] })
    if (behaviour === 'flood')
      // 5,000 reports when at most 1,000 are read; the first with 30 reasons of 600 characters and NULs.
      return json({
        data: Array.from({ length: 5000 }, (_, i) =>
          report(i, i < 3 ? Array.from({ length: 30 }, () => `\u0000${'r'.repeat(599)}`) : ['ok']),
        ),
      })
    if (behaviour === 'leak') {
      response.writeHead(200, { 'content-type': 'application/json' })
      return response.end(`${secret} <html>internal page</html>`)
    }
    if (behaviour === 'redirect') {
      // To an internal service (cloud metadata, say) that answers what a validator would.
      response.writeHead(302, { location: `${internal()}/latest/meta-data/iam/security-credentials/role` })
      return response.end()
    }
    if ((behaviour === 'huge' || behaviour === 'endless') && !traces.armed[behaviour])
      return json({ data: [] })
    if (behaviour === 'huge') {
      // 50 MB of a list, chunked: no Content-Length to refuse it by.
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"data":[')
      traces.hugeWritten.push(writeHuge(response, `"${'x'.repeat(64 * 1024 - 3)}",`, 50_000_000))
      return
    }
    if (behaviour === 'endless') {
      // Headers at once, then a byte now and then, forever.
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"data":[')
      traces.endless.push(response)
      traces.endlessClosed.push(new Promise((resolve) => response.on('close', () => resolve())))
      const timer = setInterval(() => response.write(' '), 100)
      response.on('close', () => clearInterval(timer))
      return
    }
    if (behaviour === 'crash') {
      response.writeHead(500, { 'content-type': 'text/plain' })
      return response.end(`${secret} at stack trace line 1`)
    }
    json({ error: 'unknown' }, 404)
  })
}

describe('the explorer polling hostile validators', () => {
  let chain: DevChain
  let db: Database
  let server: Server
  let internal: Server
  let internalUrl: string
  let internalHits = 0
  const traces: Traces = {
    armed: { huge: false, endless: false },
    hits: 0,
    hugeWritten: [],
    endless: [],
    endlessClosed: [],
  }
  let base: string
  let round = 0
  let provider: string
  const validators = { flood: 3, leak: 4, redirect: 5, crash: 6, huge: 7, endless: 8 } as const
  /** Addresses of the dev accounts, derived once (each derivation takes a while). */
  const addresses = new Map<number, string>()
  const addressOf = (index: number) => {
    if (!addresses.has(index)) addresses.set(index, chain.account(index).address.toLowerCase())
    return addresses.get(index) as string
  }

  const stake = async (account: LocalAccount, amount: bigint) => {
    const { token, registry } = chain.deployment.contracts
    await chain.mint(account.address, amount)
    await chain.send(account, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, amount],
    })
    await chain.send(account, { address: registry, abi: registryAbi, functionName: 'stake', args: [amount] })
  }
  const polls = (
    extra: {
      reportsLimit?: number
      keepReportsPerValidator?: number
      timeoutMs?: number
      allowPrivatePeers?: boolean
    } = {},
  ) =>
    createValidatorPolls({
      db,
      intervalMs: 60_000,
      // Generous: a busy machine must not turn a size or shape check into a timeout.
      timeoutMs: 120_000,
      reportsLimit: 5000,
      // Every server of this test listens on 127.0.0.1, as on a devnet.
      allowPrivatePeers: true,
      log: { warn: () => {} },
      ...extra,
    })
  const pollOf = async (behaviour: keyof typeof validators) => {
    const [row] = await db.query<{ ok: boolean; error: string | null }>(
      'select ok, error from validator_polls where validator = $1',
      [addressOf(validators[behaviour])],
    )
    return row
  }

  before(async () => {
    chain = await startDevChain()
    provider = addressOf(2)
    internal = createServer((_request, response) => {
      internalHits++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ data: [], AccessKeyId: secret }))
    })
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve))
    const internalAddress = internal.address()
    internalUrl = `http://127.0.0.1:${typeof internalAddress === 'object' && internalAddress ? internalAddress.port : 0}`
    server = hostileValidatorServer(
      provider,
      () => round,
      () => internalUrl,
      traces,
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const { registry } = chain.deployment.contracts
    await stake(chain.account(2), parseEther('1500'))
    await chain.send(chain.account(2), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'eu-west',
        { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 8, ramMb: 65536 },
        [{ modelId: modelId as Hex, pricePerMInput: 1n, pricePerMOutput: 2n }],
      ],
    })
    for (const [behaviour, index] of Object.entries(validators)) {
      await stake(chain.account(index), parseEther('1000'))
      await chain.send(chain.account(index), {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`${base}/${behaviour}`],
      })
    }
    db = await openDatabase()
    await migrateExplorerDatabase(db)
    await createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: createEventHandlers(chain.deployment.contracts),
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 1000,
      pollMs: 50,
      log: { info: () => {}, warn: () => {} },
    }).syncOnce()
  })
  after(async () => {
    await db?.close()
    for (const response of traces.endless) response.destroy()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await new Promise((resolve) => internal?.close(resolve))
    await chain?.stop()
  })

  it('stores at most 500 reports per poll (whatever reportsLimit says), 20 reasons of 500 characters each, and reputation only for registered providers', async () => {
    round = 1
    await polls().runOnce()
    const flood = addressOf(validators.flood)
    assert.deepEqual(await pollOf('flood'), { ok: true, error: null })
    const [stored] = await db.query<{ n: number }>(
      'select count(*)::int as n from validator_reports where validator = $1',
      [flood],
    )
    assert.equal(stored?.n, 500)
    const [first] = await db.query<{ reasons: string[] }>(
      'select reasons from validator_reports where validator = $1 and receipt_digest = $2',
      [flood, digest('1-0')],
    )
    assert.equal(first?.reasons.length, 20)
    assert.deepEqual(new Set(first?.reasons), new Set([`\uFFFD${'r'.repeat(498)}…`]))
    const reputation = await db.query<{ provider: string; samples: number }>(
      'select provider, samples from validator_reputation where validator = $1',
      [flood],
    )
    assert.deepEqual(reputation, [{ provider, samples: 5000 }])
  })

  it('asks for reportsLimit reports and keeps no more than that', async () => {
    round = 2
    await polls({ reportsLimit: 100 }).runOnce()
    const [stored] = await db.query<{ n: number }>(
      'select count(*)::int as n from validator_reports where validator = $1 and receipt_digest = any($2)',
      [addressOf(validators.flood), Array.from({ length: 5000 }, (_, i) => digest(`2-${i}`))],
    )
    assert.equal(stored?.n, 100)
  })

  it('keeps only the newest reports of a validator', async () => {
    round = 3
    // 600 stored so far (rounds 1 and 2), 500 more now: 800 kept, the 500 newest among them.
    await polls({ keepReportsPerValidator: 800 }).runOnce()
    const flood = addressOf(validators.flood)
    const [stored] = await db.query<{ n: number; newest: number }>(
      `select count(*)::int as n, count(*) filter (where receipt_digest = any($2))::int as newest
       from validator_reports where validator = $1`,
      [flood, Array.from({ length: 500 }, (_, i) => digest(`3-${i}`))],
    )
    assert.deepEqual(stored, { n: 800, newest: 500 })
  })

  it('never stores or publishes what a failing validator answered, only what went wrong', async () => {
    round = 4
    await polls().runOnce()
    const at = (behaviour: keyof typeof validators) =>
      `validator ${addressOf(validators[behaviour])} at ${base}/${behaviour}`
    assert.deepEqual(await pollOf('leak'), {
      ok: false,
      error: `${at('leak')} could not be read: /infermesh/v1/reports answered something that is not JSON`,
    })
    assert.deepEqual(await pollOf('crash'), {
      ok: false,
      error: `${at('crash')} could not be read: /infermesh/v1/reports answered HTTP 500`,
    })
    const listed = await readValidators(db)
    assert.equal(listed.length, Object.keys(validators).length)
    for (const validator of listed)
      assert.ok(!JSON.stringify(validator).includes(secret), `${validator.endpoint} published ${secret}`)
  })

  it('never follows a redirect to an internal server, and cuts a 50 MB answer at 8 MiB', async (t) => {
    round = 5
    internalHits = 0
    traces.armed.huge = true
    await polls()
      .runOnce()
      .finally(() => {
        traces.armed.huge = false
      })
    const at = (behaviour: keyof typeof validators) =>
      `validator ${addressOf(validators[behaviour])} at ${base}/${behaviour}`
    assert.deepEqual(await pollOf('redirect'), {
      ok: false,
      error: `${at('redirect')} could not be read: /infermesh/v1/reports answered with a redirect, which is never followed`,
    })
    assert.equal(internalHits, 0, 'the internal server was never called')
    assert.deepEqual(await pollOf('huge'), {
      ok: false,
      error: `${at('huge')} could not be read: /infermesh/v1/reports answered more than ${maxValidatorAnswerBytes} bytes`,
    })
    const [written] = await Promise.all(traces.hugeWritten)
    assert.ok(
      written !== undefined && written < 20_000_000,
      `the explorer hung up after ${written} of 50,000,000 bytes`,
    )
    t.diagnostic(`the huge answer was cut after ${written} bytes written`)
  })

  it('hangs up on a never-ending answer at the deadline', async (t) => {
    round = 6
    traces.armed.endless = true
    const started = performance.now()
    await polls({ timeoutMs: 3000 })
      .runOnce()
      .finally(() => {
        traces.armed.endless = false
      })
    t.diagnostic(`round: ${Math.round(performance.now() - started)} ms`)
    assert.deepEqual(await pollOf('endless'), {
      ok: false,
      error: `validator ${addressOf(validators.endless)} at ${base}/endless did not answer in 3000 ms`,
    })
    // The explorer hung up on the never-ending answer (one call): its socket closes.
    assert.equal(traces.endlessClosed.length, 1)
    await Promise.all(traces.endlessClosed)
  })

  it('calls no validator on a loopback address without allowPrivatePeers', async () => {
    round = 7
    const hits = traces.hits
    await polls({ allowPrivatePeers: false }).runOnce()
    assert.equal(traces.hits, hits, 'no request reached the validators')
    for (const behaviour of Object.keys(validators) as (keyof typeof validators)[])
      assert.deepEqual(await pollOf(behaviour), {
        ok: false,
        error: `validator ${addressOf(validators[behaviour])} at ${base}/${behaviour} was not called: its endpoint is not an http(s) URL of a public address (loopback, private and link-local addresses are called only with allowPrivatePeers, on a devnet)`,
      })
  })
})
