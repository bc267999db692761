/**
 * Gateway benchmarks (`npm run bench -- gateway`; results in bench/results/gateway.json). Under 5
 * minutes. Every part is real: anvil with the contracts, a provider daemon (its openai-compatible
 * backend talks to a fast local upstream, so the model does not hide the overhead) signing real
 * receipts, the gateway daemon (startGateway) in a process of its own, PGlite ledgers.
 *  1. routing decision time with 10,000 registered offers for one model;
 *  2. the payer's payment path per request, in this process, step by step: CPU µs (process.cpuUsage)
 *     and wall µs of receipt decoding, the EIP-712 hash, verification (hash + signer recovery),
 *     voucher signing, the ledger write, the allocator's check, and the whole path as the gateway runs
 *     it (canPay, voucherHeader, acceptReceipt, paid) on receipts a real provider signed;
 *  3. the gateway process's CPU per request (its own process.cpuUsage, idle CPU subtracted) and the
 *     latency it adds over calling the provider directly, p50/p90/p99, at 1 concurrent request (direct
 *     and gateway requests alternate, so both see the same machine load) and at 50 and 200.
 * With `taskset`, the gateway runs alone on core 1 and this process (load generator, provider,
 * upstream, anvil) on core 0. The load average at start is recorded: other work on the machine shows
 * in every figure.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type Candidate, createProviderStats, rankProviders } from '@infermesh/gateway'
import { openDatabase } from '@infermesh/node/database'
import { createAllocator, createPayer, createSqlPayerLedger, requestBounds } from '@infermesh/payments'
import {
  anvilMnemonic,
  connect,
  decodeSignedReceipt,
  devDeployerKey,
  encodeSignedVoucher,
  hashResponse,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsDomain,
  privateKeyToFastAccount,
  providerConfigSchema,
  receiptHeader,
  receiptTypes,
  registryAbi,
  signVoucher,
  startDevChain,
  verifyReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import { startProvider } from '@infermesh/provider'
import pino from 'pino'
import { createWalletClient, type Hex, hashTypedData, http, parseEther, toHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { devAccount } from '../test/support/networkFixture.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}
const round = (value: number, digits = 1) => Number(value.toFixed(digits))
const cpuMicros = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

const loadAverageAtStart = loadavg().map((value) => round(value, 2))
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
else console.log('taskset is missing (or one core only): nothing is pinned')
console.log(`load average at start: ${loadAverageAtStart.join(', ')}; pinned: ${pinned}`)

// 1. Routing with 10,000 offers.
const stats = createProviderStats()
const candidates: Candidate[] = Array.from({ length: 10_000 }, (_, i) => {
  const provider = `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`
  const s = stats.get(provider)
  s.latencyMs = 20 + (i % 97)
  s.msPerToken = 5 + (i % 13)
  s.errorRate = (i % 7) / 100
  return {
    provider,
    endpoint: `http://10.0.0.${i % 250}:8080`,
    region: 'bench',
    modelId: `0x${'ab'.repeat(32)}`,
    providerModelName: 'bench',
    pricePerMInput: BigInt(1000 + (i % 501)) * 10n ** 15n,
    pricePerMOutput: BigInt(2000 + (i % 337)) * 10n ** 15n,
    stake: BigInt(1000 + (i % 50)) * 10n ** 18n,
    priceScore: (3000 + (i % 501) + (i % 337)) / 1000,
    stakeScore: 1000 + (i % 50),
    key: provider,
    stats: s,
  }
})
const routing: Record<string, number> = {}
for (const sort of ['balanced', 'price', 'latency', 'throughput'] as const) {
  for (let i = 0; i < 50; i++) rankProviders({ model: 'bench', candidates, defaultSort: sort, limit: 3 }) // warm-up
  const rounds = 500
  const start = performance.now()
  for (let i = 0; i < rounds; i++) rankProviders({ model: 'bench', candidates, defaultSort: sort, limit: 3 })
  routing[sort] = Number((((performance.now() - start) / rounds) * 1000).toFixed(1))
}
console.log('routing µs per decision with 10,000 offers:', routing)

// 2, 3. A fast upstream → a provider daemon (openai-compatible backend) ← direct client / gateway.
const upstream = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    // The backend always streams from its upstream: answer as a one-chunk stream with usage.
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'ok' } }] })}\n\n`)
    response.write(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
    )
    response.write(
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })}\n\n`,
    )
    response.end('data: [DONE]\n\n')
  })
})
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
const upstreamPort = (upstream.address() as { port: number }).port

const dir = await mkdtemp(join(tmpdir(), 'infermesh-gwbench-'))
const devChain = await startDevChain()
const { anvil, deployment, send } = devChain
const { token, payments, registry, models } = deployment.contracts
const gatewayPayer = devAccount(1) // its key goes to the gateway process (anvil's account 1)
const providerAccount = devAccount(2)
/** anvil's account `index` as the CLI makes a gateway's account from its keystore. */
const keyOf = (index: number) =>
  toHex(mnemonicToAccount(anvilMnemonic, { addressIndex: index }).getHdKey().privateKey as Uint8Array)
const benchPayer = privateKeyToFastAccount(keyOf(3))
const directPayer = devAccount(5)
const modelId: Hex = `0x${'cd'.repeat(32)}`
await send(devAccount(8), {
  address: models,
  abi: modelRegistryAbi,
  functionName: 'register',
  args: [modelId, 'fast', '', 0, devAccount(9).address],
})
// The gateway allocates to the provider itself (lazily); the direct and in-process payers up front.
await devChain.fund(gatewayPayer.address, parseEther('100000'))
await devChain.deposit(gatewayPayer, parseEther('100000'))
for (const payer of [directPayer, benchPayer]) {
  await devChain.fund(payer.address, parseEther('100000'))
  await devChain.deposit(payer, parseEther('100000'), [
    { provider: providerAccount.address, amount: parseEther('50000') },
  ])
}
const price = 10n ** 12n
const provider = await startProvider({
  config: providerConfigSchema.parse({
    chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
    keystore: { privateKey: devDeployerKey },
    server: { port: 0, maxQueue: 1000 },
    backend: {
      kind: 'openai-compatible',
      baseUrl: `http://127.0.0.1:${upstreamPort}/v1`,
      models: [{ name: 'fast', modelId }],
    },
    offers: [{ model: 'fast', pricePerMInput: price.toString(), pricePerMOutput: price.toString() }],
    payments: { creditLimit: parseEther('10000').toString(), settleIntervalMs: 3_600_000 },
    database: { dir: join(dir, 'provider') },
    registration: { endpoint: 'http://127.0.0.1:1', region: 'bench', hardware: { cpuCores: 2, ramMb: 1024 } },
  }),
  account: providerAccount,
  logger: pino({ level: 'silent' }),
})
await devChain.fund(providerAccount.address, parseEther('5000'))
await send(providerAccount, {
  address: token,
  abi: meshTokenAbi,
  functionName: 'approve',
  args: [registry, parseEther('2000')],
})
await send(providerAccount, {
  address: registry,
  abi: registryAbi,
  functionName: 'stake',
  args: [parseEther('2000')],
})
await send(providerAccount, {
  address: registry,
  abi: registryAbi,
  functionName: 'registerProvider',
  args: [
    provider.url,
    'bench',
    { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
    [{ modelId, pricePerMInput: price, pricePerMOutput: price }],
  ],
})

const body = { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }
const bodyText = JSON.stringify(body)
const contextTokens = 4096
const offer = { provider: providerAccount.address, modelId, pricePerMInput: price, pricePerMOutput: price }

// 2. The payer's payment path, in this process. First, receipts: a real payer pays the provider
// directly for each request, as the gateway does (verified receipts, vouchers for what they bill).
const rounds = 300
const collected: { encoded: string; text: string; usage: { inputTokens: bigint; outputTokens: bigint } }[] =
  []
{
  const payer = createPayer({
    account: benchPayer,
    chainId: deployment.chainId,
    payments,
    ledger: await createSqlPayerLedger(await openDatabase({ dataDir: join(dir, 'payer-collect') })),
  })
  const bounds = requestBounds('chat', body, { contextTokens })
  for (let i = 0; i < rounds; i++) {
    const response = await fetch(`${provider.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [voucherHeader]: await payer.voucherHeader(offer.provider, modelId),
      },
      body: bodyText,
    })
    const json = (await response.json()) as {
      choices: { message: { content: string } }[]
      usage: { prompt_tokens: number; completion_tokens: number }
    }
    if (response.status !== 200) throw new Error(`the provider refused: ${JSON.stringify(json)}`)
    const encoded = response.headers.get(receiptHeader) ?? ''
    const usage = {
      inputTokens: BigInt(json.usage.prompt_tokens),
      outputTokens: BigInt(json.usage.completion_tokens),
    }
    const text = json.choices[0]?.message.content ?? ''
    // The hash of the request the provider saw is what the receipt must carry; taken from the receipt
    // here (the gateway computes it before sending: the same comparison, the same cost).
    const { requestHash } = decodeSignedReceipt(encoded).receipt
    await payer.acceptReceipt(encoded, {
      offer,
      requestHash,
      responseHash: hashResponse(text),
      bounds,
      usage,
    })
    collected.push({ encoded, text, usage })
  }
}

/** CPU µs and wall µs per call of `step`, over every collected receipt (after 20 warm-up calls). */
async function measure(step: (index: number) => unknown): Promise<{ cpuMicros: number; wallMicros: number }> {
  for (let i = 0; i < 20; i++) await step(i)
  const cpu = cpuMicros()
  const wall = performance.now()
  for (let i = 0; i < rounds; i++) await step(i)
  return {
    cpuMicros: round((cpuMicros() - cpu) / rounds),
    wallMicros: round(((performance.now() - wall) * 1000) / rounds),
  }
}
const payerSteps: Record<string, { cpuMicros: number; wallMicros: number }> = {}
{
  const { publicClient, chain } = await connect({ rpcUrl: anvil.rpcUrl })
  const db = await openDatabase({ dataDir: join(dir, 'payer-replay') })
  const ledger = await createSqlPayerLedger(db, { writeBehind: true }) // as the gateway runs it on PGlite
  const allocator = createAllocator({
    publicClient,
    walletClient: createWalletClient({ account: benchPayer, chain, transport: http(anvil.rpcUrl) }),
    payments,
    ledger,
    target: parseEther('10'),
    watermark: parseEther('2'),
  })
  const payer = createPayer({ account: benchPayer, chainId: deployment.chainId, payments, ledger, allocator })
  const bounds = requestBounds('chat', body, { contextTokens })
  const decoded = collected.map(({ encoded }) => decodeSignedReceipt(encoded))
  const at = (index: number) => collected[index % rounds] as (typeof collected)[number]
  const decodedAt = (index: number) => decoded[index % rounds] as (typeof decoded)[number]
  payerSteps.decodeReceipt = await measure((i) => decodeSignedReceipt(at(i).encoded))
  payerSteps.hashResponse = await measure((i) => hashResponse(at(i).text))
  payerSteps.receiptHashTypedDataViem = await measure((i) =>
    hashTypedData({
      domain: paymentsDomain(deployment.chainId, payments),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: decodedAt(i).receipt,
    }),
  )
  payerSteps.verifyReceipt = await measure(async (i) => {
    const { receipt, signature } = decodedAt(i)
    if (!(await verifyReceipt({ chainId: deployment.chainId, payments, receipt, signature })))
      throw new Error('a receipt the provider signed did not verify')
  })
  const viemAccount = devAccount(3)
  payerSteps.signVoucherViemAccount = await measure((i) =>
    signVoucher({
      account: viemAccount,
      chainId: deployment.chainId,
      payments,
      voucher: { payer: benchPayer.address, provider: offer.provider, modelId, cumulativeAmount: BigInt(i) },
    }),
  )
  payerSteps.signVoucher = await measure((i) =>
    signVoucher({
      account: benchPayer,
      chainId: deployment.chainId,
      payments,
      voucher: { payer: benchPayer.address, provider: offer.provider, modelId, cumulativeAmount: BigInt(i) },
    }),
  )
  const otherModel: Hex = `0x${'ef'.repeat(32)}`
  payerSteps.ledgerAddBilled = await measure(() => ledger.addBilled(offer.provider, otherModel, 1n))
  payerSteps.allocatorCanPayAndDone = await measure(async () => {
    if (!(await allocator.canPay(offer.provider, 1n))) throw new Error('the allocation cannot pay')
    allocator.done(offer.provider, 1n)
  })
  // The whole payment path of one request as the gateway runs it, back to back: every request
  // needs the voucher for the previous one's receipt.
  const worstCase = 10n ** 9n
  payerSteps.wholePath = await measure(async (i) => {
    const { encoded, text, usage } = at(i)
    if (!(await payer.canPay(offer.provider, worstCase))) throw new Error('the allocation cannot pay')
    await payer.voucherHeader(offer.provider, modelId)
    await payer.acceptReceipt(encoded, {
      offer,
      requestHash: decodedAt(i).receipt.requestHash,
      responseHash: hashResponse(text),
      bounds,
      usage,
    })
    payer.paid(offer.provider, worstCase)
  })
  await allocator.idle()
  await ledger.close?.()
  await db.close()
}
console.log('payer payment path per request (µs):', payerSteps)

// 3. The gateway daemon in its own process, alone on core 1. GATEWAY_BENCH_PROFILE=<dir> writes its
// CPU profile there (node --cpu-prof) and stops after the 1-concurrent run; no result file then.
const profileDir = process.env.GATEWAY_BENCH_PROFILE
const gatewayConfig = {
  chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
  server: { port: 0 },
  allowPrivatePeers: true,
  database: { dir: join(dir, 'gateway') },
  routing: { contextTokens },
  discovery: { refreshMs: 60_000, probeMs: 5_000 },
  // Proof of Sampling is the verification room's cost, not the payment path's: off here.
  sampling: { probability: 0 },
}
const daemon: ChildProcess = spawn(
  pinned ? 'taskset' : process.execPath,
  [
    ...(pinned ? ['-c', '1', process.execPath] : []),
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    '--import',
    'tsx',
    'bench/gateway.daemon.ts',
  ],
  {
    cwd: root,
    env: {
      ...process.env,
      GATEWAY_BENCH_CONFIG: JSON.stringify({
        config: gatewayConfig,
        privateKey: keyOf(1),
      }),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
)
const lines = createInterface({ input: daemon.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
const nextLine = async () => {
  const { value, done } = await lines.next()
  if (done) throw new Error('the gateway process exited')
  return JSON.parse(value as string)
}
const started = (await nextLine()) as { url: string; key: string }
const gatewayCpu = async () => {
  daemon.stdin?.write('cpu\n')
  const usage = (await nextLine()) as { user: number; system: number }
  return usage.user + usage.system
}

// The direct client pays with one voucher of 0 (its unpaid work stays within the credit limit), so
// concurrent requests never race on cumulatives and it spends nothing on payments; the gateway
// signs real vouchers.
const directVoucher = encodeSignedVoucher({
  voucher: { payer: directPayer.address, provider: offer.provider, modelId, cumulativeAmount: 0n },
  signature: await signVoucher({
    account: directPayer,
    chainId: deployment.chainId,
    payments,
    voucher: { payer: directPayer.address, provider: offer.provider, modelId, cumulativeAmount: 0n },
  }),
})
const targets = {
  direct: {
    url: `${provider.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', [voucherHeader]: directVoucher },
  },
  gateway: {
    url: `${started.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${started.key}` },
  },
}
/** One request; its latency in ms, or undefined when it failed. */
async function one(target: keyof typeof targets): Promise<number | undefined> {
  const t = performance.now()
  const response = await fetch(targets[target].url, {
    method: 'POST',
    headers: targets[target].headers,
    body: bodyText,
  })
  const answer = await response.arrayBuffer()
  if (response.status === 200) return performance.now() - t
  // Why requests failed is part of the result: status and error code, counted.
  let code = ''
  try {
    code =
      (JSON.parse(Buffer.from(answer).toString('utf8')) as { error?: { code?: string } }).error?.code ?? ''
  } catch {}
  const reason = `${target} ${response.status} ${code}`.trim()
  failureReasons[reason] = (failureReasons[reason] ?? 0) + 1
  return undefined
}
const failureReasons: Record<string, number> = {}
/** `total` requests with `concurrency` workers; latencies in ms and requests/s. */
async function load(target: keyof typeof targets, concurrency: number, total: number) {
  const latencies: number[] = []
  let next = 0
  let failed = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++
        const latency = await one(target)
        if (latency === undefined) failed++
        else latencies.push(latency)
      }
    }),
  )
  return { latencies, rps: total / ((performance.now() - start) / 1000), failed }
}
const summary = (latencies: number[]) => ({
  p50: round(percentile(latencies, 50), 2),
  p90: round(percentile(latencies, 90), 2),
  p99: round(percentile(latencies, 99), 2),
})

// Warm-up: until the gateway has found and probed the provider, then 100 more.
for (let tries = 0; (await one('gateway')) === undefined; tries++) {
  if (tries > 100) throw new Error('the gateway never served a request')
  await new Promise((resolve) => setTimeout(resolve, 200))
}
await load('direct', 10, 100)
await load('gateway', 10, 100)

// The gateway's CPU while idle (discovery's probes, timers), to subtract.
const idleCpu = await gatewayCpu()
const idleStart = performance.now()
await new Promise((resolve) => setTimeout(resolve, 3000))
const idleMicrosPerMs = ((await gatewayCpu()) - idleCpu) / (performance.now() - idleStart)

const gatewayCpuPerRequest: Record<string, { rawMicros: number; netMicros: number }> = {}
const cpuOf = async <T>(label: string, requests: number, run: () => Promise<T>): Promise<T> => {
  const cpu = await gatewayCpu()
  const t = performance.now()
  const result = await run()
  const used = (await gatewayCpu()) - cpu
  gatewayCpuPerRequest[label] = {
    rawMicros: round(used / requests),
    netMicros: round((used - idleMicrosPerMs * (performance.now() - t)) / requests),
  }
  return result
}

// 1 concurrent request: direct and gateway alternate; the gateway's CPU is read around the whole run
// (the direct requests never reach it).
const pairs = 600
const direct1: number[] = []
const gateway1: number[] = []
const paired: number[] = []
let failed1 = 0
await cpuOf('concurrency_1', pairs, async () => {
  for (let i = 0; i < pairs; i++) {
    const d = await one('direct')
    const g = await one('gateway')
    if (d === undefined || g === undefined) failed1++
    else {
      direct1.push(d)
      gateway1.push(g)
      paired.push(g - d)
    }
  }
})
const overhead: Record<string, unknown> = {
  concurrency_1: {
    direct: summary(direct1),
    gateway: summary(gateway1),
    addedP50Ms: round(percentile(gateway1, 50) - percentile(direct1, 50), 2),
    addedP90Ms: round(percentile(gateway1, 90) - percentile(direct1, 90), 2),
    addedP99Ms: round(percentile(gateway1, 99) - percentile(direct1, 99), 2),
    pairedDifferenceMs: summary(paired),
    failed: failed1,
  },
}
console.log('concurrency 1:', overhead.concurrency_1)
for (const concurrency of profileDir ? [] : [50, 200]) {
  const total = concurrency * 5
  const direct = await load('direct', concurrency, total)
  const through = await cpuOf(`concurrency_${concurrency}`, total, () => load('gateway', concurrency, total))
  const d = summary(direct.latencies)
  const g = summary(through.latencies)
  overhead[`concurrency_${concurrency}`] = {
    direct: d,
    gateway: g,
    addedP50Ms: round(g.p50 - d.p50, 2),
    addedP99Ms: round(g.p99 - d.p99, 2),
    directRps: Math.round(direct.rps),
    gatewayRps: Math.round(through.rps),
    throughputRatio: round(through.rps / direct.rps, 3),
    failed: { direct: direct.failed, gateway: through.failed },
  }
  console.log(`concurrency ${concurrency}:`, overhead[`concurrency_${concurrency}`])
}
console.log('gateway process CPU µs per request:', gatewayCpuPerRequest)

daemon.stdin?.write('close\n')
await new Promise((resolve) => daemon.once('exit', resolve))
await provider.close()
upstream.close()
await devChain.stop()
await rm(dir, { recursive: true, force: true })

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: root,
  encoding: 'utf8',
}).stdout.trim()
const result = {
  benchmark: 'gateway',
  date: new Date().toISOString(),
  commit,
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with other work`,
  loadAverageAtStart,
  pinning: pinned
    ? 'gateway process alone on core 1 (taskset -c 1); load generator, provider, upstream and anvil on core 0'
    : 'none (taskset missing or one core)',
  routingMicrosecondsPerDecision10kOffers: routing,
  routingTarget: '<= 100 µs',
  payerPaymentPathMicrosPerRequest: payerSteps,
  gatewayCpuMicrosPerRequest: gatewayCpuPerRequest,
  gatewayIdleCpuMicrosPerSecond: round(idleMicrosPerMs * 1000),
  paymentPathTarget: '<= 1,000 µs CPU per request (payerPaymentPathMicrosPerRequest.wholePath.cpuMicros)',
  overhead,
  overheadTarget: '<= 2 ms added p50 at 1 concurrent request, gateway pinned to its own core',
  failureReasons,
}
if (!profileDir)
  await writeFile(new URL('./results/gateway.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
