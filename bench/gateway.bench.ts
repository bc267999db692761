/**
 * Gateway benchmarks (`npm run bench -- gateway`; results in bench/results/gateway.json):
 *  1. routing decision time with 10,000 registered offers for one model;
 *  2. latency the gateway adds over calling a provider directly, p50 and p99, at 1, 50 and 200
 *     concurrent requests, and throughput through the gateway ÷ direct. A fast upstream sits behind
 *     the provider (its openai-compatible backend) so the model does not hide the overhead.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Candidate,
  createProviderStats,
  gatewayConfigSchema,
  rankProviders,
  startGateway,
} from '@infermesh/gateway'
import {
  devDeployerKey,
  encodeSignedVoucher,
  meshTokenAbi,
  providerConfigSchema,
  registryAbi,
  signVoucher,
  startDevChain,
  voucherHeader,
} from '@infermesh/protocol'
import { startProvider } from '@infermesh/provider'
import pino from 'pino'
import { type Hex, parseEther } from 'viem'
import { devAccount } from '../test/support/networkFixture.js'

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

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

// 2. Overhead: fast upstream → provider (openai-compatible backend) ← direct client / gateway.
const upstreamBody = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
})
const upstream = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    // The backend always streams from its upstream: answer as a one-chunk stream with usage.
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'ok' } }] })}\n\n`)
    response.write(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
    )
    response.write(`data: ${JSON.stringify({ choices: [], usage: JSON.parse(upstreamBody).usage })}\n\n`)
    response.end('data: [DONE]\n\n')
  })
})
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
const upstreamPort = (upstream.address() as { port: number }).port

const dir = await mkdtemp(join(tmpdir(), 'infermesh-gwbench-'))
const devChain = await startDevChain()
const { anvil, deployment, send } = devChain
const { token, payments, registry } = deployment.contracts
const gatewayPayer = devAccount(1)
const directPayer = devAccount(5)
const providerAccount = devAccount(2)
for (const payer of [gatewayPayer, directPayer]) {
  await devChain.mint(payer.address, parseEther('100000'))
  await devChain.deposit(payer, parseEther('100000'))
}
const modelId: Hex = `0x${'cd'.repeat(32)}`
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
    offers: [{ model: 'fast', pricePerMInput: '1000000000000', pricePerMOutput: '1000000000000' }],
    payments: { creditLimit: parseEther('10000').toString(), settleIntervalMs: 3_600_000 },
    database: { dir: join(dir, 'provider') },
    registration: { endpoint: 'http://127.0.0.1:1', region: 'bench', hardware: { cpuCores: 2, ramMb: 1024 } },
  }),
  account: providerAccount,
  logger: pino({ level: 'silent' }),
})
await devChain.mint(providerAccount.address, parseEther('5000'))
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
    [{ modelId, pricePerMInput: 10n ** 12n, pricePerMOutput: 10n ** 12n }],
  ],
})
const gateway = await startGateway({
  config: gatewayConfigSchema.parse({
    chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
    server: { port: 0 },
    database: { dir: join(dir, 'gateway') },
  }),
  account: gatewayPayer,
  logger: pino({ level: 'silent' }),
})
const { key } = await gateway.store.createApiKey('bench')

// The direct client pays with one voucher of 0 (its unpaid work stays within the credit limit), so
// concurrent requests never race on cumulatives; the gateway path signs real vouchers.
const directVoucher = encodeSignedVoucher({
  voucher: { payer: directPayer.address, provider: providerAccount.address, modelId, cumulativeAmount: 0n },
  signature: await signVoucher({
    account: directPayer,
    chainId: deployment.chainId,
    payments,
    voucher: { payer: directPayer.address, provider: providerAccount.address, modelId, cumulativeAmount: 0n },
  }),
})
const body = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })
const targets = {
  direct: {
    url: `${provider.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', [voucherHeader]: directVoucher },
  },
  gateway: {
    url: `${gateway.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  },
}

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
        const t = performance.now()
        const response = await fetch(targets[target].url, {
          method: 'POST',
          headers: targets[target].headers,
          body,
        })
        await response.arrayBuffer()
        if (response.status !== 200) failed++
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: total / seconds, failed }
}

const overhead: Record<string, unknown> = {}
await load('direct', 10, 200) // warm-up
await load('gateway', 10, 200)
for (const concurrency of [1, 50, 200]) {
  const total = concurrency === 1 ? 300 : concurrency * 6
  const direct = await load('direct', concurrency, total)
  const through = await load('gateway', concurrency, total)
  overhead[`concurrency_${concurrency}`] = {
    directP50Ms: Number(direct.p50.toFixed(2)),
    directP99Ms: Number(direct.p99.toFixed(2)),
    gatewayP50Ms: Number(through.p50.toFixed(2)),
    gatewayP99Ms: Number(through.p99.toFixed(2)),
    addedP50Ms: Number((through.p50 - direct.p50).toFixed(2)),
    addedP99Ms: Number((through.p99 - direct.p99).toFixed(2)),
    directRps: Math.round(direct.rps),
    gatewayRps: Math.round(through.rps),
    throughputRatio: Number((through.rps / direct.rps).toFixed(3)),
    failed: { direct: direct.failed, gateway: through.failed },
  }
  console.log(`concurrency ${concurrency}:`, overhead[`concurrency_${concurrency}`])
}

await gateway.close()
await provider.close()
upstream.close()
await devChain.stop()
await rm(dir, { recursive: true, force: true })

const result = {
  benchmark: 'gateway',
  date: new Date().toISOString(),
  machine: '2 cores; load generator, gateway, provider, upstream and anvil share them',
  routingMicrosecondsPerDecision10kOffers: routing,
  routingTarget: '<= 100 µs',
  overhead,
  overheadTarget: '<= 2 ms p50, <= 10 ms p99 added at 200; throughput ratio >= 0.5',
}
await writeFile(new URL('./results/gateway.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
