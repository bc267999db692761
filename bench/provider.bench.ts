/**
 * Provider benchmarks (`npm run bench` runs this; results go to bench/results/provider.json):
 *  1. tokens/s through the provider's HTTP path (official openai client, vouchers, receipts) ÷
 *     tokens/s calling node-llama-cpp in-process through the same backend: same model, threads, prompt;
 *  2. aggregate tokens/s at 1, 4 and 8 concurrent streams through HTTP;
 *  3. cost of the payment path per request (voucher check + receipt signing + durable writes) and
 *     the requests/s one core sustains for it.
 * The model is generated (random weights, larger than the test model so generation dominates).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLlamaBackend, modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import { openDatabase } from '@infermesh/node/database'
import { createPaymentGate, createSqlChannelLedger } from '@infermesh/payments'
import {
  computeCost,
  devDeployerKey,
  encodeSignedReceipt,
  providerConfigSchema,
  signReceipt,
  startDevChain,
  voucherHeader,
} from '@infermesh/protocol'
import { startProvider } from '@infermesh/provider'
import { createPayerWallet, devAccount } from '@infermesh/provider/testing'
import OpenAI from 'openai'
import pino from 'pino'
import { type Hex, parseEther } from 'viem'

const THREADS = 1
const MAX_TOKENS = 128
const ROUNDS = 5
const PROMPT = 'Tell me a long story about a lighthouse keeper and the sea.'

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const dir = await mkdtemp(join(tmpdir(), 'infermesh-bench-'))
const modelPath = join(dir, 'bench.gguf')
// `small` (~3M parameters, ~1,000 tokens/s here) shows the HTTP path's per-token cost at its worst;
// `mid` (~45M parameters) is closer to the time a real model spends per token. BENCH_MODEL picks one.
const shapes = {
  small: { embeddingLength: 256, blockCount: 4, headCount: 4, feedForwardLength: 768, contextLength: 1024 },
  mid: { embeddingLength: 768, blockCount: 6, headCount: 12, feedForwardLength: 2048, contextLength: 1024 },
} as const
const shapeName = (process.env.BENCH_MODEL ?? 'mid') as keyof typeof shapes
const modelShape = shapes[shapeName]
if (!modelShape) throw new Error(`BENCH_MODEL must be one of ${Object.keys(shapes).join(', ')}`)
await writeTinyModel({ out: modelPath, seed: 5, ...modelShape })
const modelId = await modelIdOfFile(modelPath)
console.log(`model: ${JSON.stringify(modelShape)} (${modelId.slice(0, 10)}…), threads ${THREADS}`)

// 1a. In-process: the backend called directly.
const inProcess: number[] = []
{
  const backend = await createLlamaBackend({
    models: [{ name: 'bench', path: modelPath }],
    threads: THREADS,
    sequences: 8,
  })
  await backend.generate({ model: 'bench', prompt: PROMPT, maxTokens: 8, temperature: 0 }) // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now()
    const result = await backend.generate({
      model: 'bench',
      messages: [{ role: 'user', content: PROMPT }],
      maxTokens: MAX_TOKENS,
      temperature: 0,
    })
    inProcess.push(result.outputTokens / ((performance.now() - start) / 1000))
  }
  await backend.close()
}

// 1b, 2. Through HTTP, paid: anvil, contracts, a deposit, a provider daemon.
const devChain = await startDevChain()
const { anvil, deployment } = devChain
const payer = devAccount(1)
const providerAccount = devAccount(2)
const { payments } = deployment.contracts
await devChain.mint(payer.address, parseEther('1000000'))
await devChain.deposit(payer, parseEther('1000000'))
const config = providerConfigSchema.parse({
  chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
  keystore: { privateKey: devDeployerKey },
  server: { port: 0 },
  backend: { kind: 'llama', models: [{ name: 'bench', path: modelPath }], sequences: 8, threads: THREADS },
  offers: [{ model: 'bench', pricePerMInput: '1000000000000', pricePerMOutput: '2000000000000' }],
  payments: { creditLimit: parseEther('1000').toString(), settleIntervalMs: 3_600_000 },
  database: { dir: join(dir, 'db') },
  registration: { endpoint: 'http://127.0.0.1:1', region: 'bench', hardware: { cpuCores: 2, ramMb: 1024 } },
})
const provider = await startProvider({ config, account: providerAccount, logger: pino({ level: 'warn' }) })
const wallet = createPayerWallet({
  payer,
  chainId: deployment.chainId,
  payments,
  provider: providerAccount.address,
})
const client = new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'unused', maxRetries: 0 })

/** One streamed, paid chat through HTTP; returns its output tokens. */
async function streamOnce(): Promise<number> {
  const stream = await client.chat.completions.create(
    {
      model: 'bench',
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: MAX_TOKENS,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    },
    { headers: { [voucherHeader]: await wallet.header(modelId) } },
  )
  let tokens = 0
  for await (const chunk of stream) {
    if (chunk.usage) tokens = chunk.usage.completion_tokens
    const receipt = (chunk as unknown as { receipt?: string }).receipt
    if (receipt) wallet.learn(receipt)
  }
  return tokens
}

await streamOnce() // warm-up
const overHttp: number[] = []
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now()
  const tokens = await streamOnce()
  overHttp.push(tokens / ((performance.now() - start) / 1000))
}

const concurrency: Record<string, { streams: number; tokensPerSecond: number; seconds: number }> = {}
for (const streams of [1, 4, 8]) {
  const start = performance.now()
  const tokens = await Promise.all(Array.from({ length: streams }, () => streamOnce()))
  const seconds = (performance.now() - start) / 1000
  const total = tokens.reduce((a, b) => a + b, 0)
  concurrency[`streams_${streams}`] = {
    streams,
    tokensPerSecond: Math.round(total / seconds),
    seconds: Number(seconds.toFixed(2)),
  }
}
await provider.close()

// 3. The payment path alone: voucher check (signature, channel, durable write) + receipt
//    (cost, signature, atomic owed update and receipt row), on PGlite, one core.
const db = await openDatabase({ dataDir: join(dir, 'gate-db') })
const store = await createSqlChannelLedger(db)
const gate = createPaymentGate({
  chainId: deployment.chainId,
  payments,
  provider: providerAccount.address,
  ledger: store,
  creditLimit: parseEther('1000000'),
  availableAllocation: async () => parseEther('1000000'), // the real reader caches it; the chain is not on this path
})
const gateWallet = createPayerWallet({
  payer,
  chainId: deployment.chainId,
  payments,
  provider: providerAccount.address,
})
const N = 400
const headers: string[] = []
let cumulative = 0n
for (let i = 0; i < N; i++) {
  headers.push(await gateWallet.header(modelId, cumulative))
  cumulative += 1000n
}
const price = { pricePerMInput: 10n ** 12n, pricePerMOutput: 2n * 10n ** 12n }
const start = performance.now()
for (let i = 0; i < N; i++) {
  const admission = await gate.admit(headers[i], modelId, 0n)
  const cost = computeCost({ inputTokens: 20n, outputTokens: 100n, ...price })
  const base = {
    requestHash: `0x${'11'.repeat(32)}` as Hex,
    responseHash: `0x${'22'.repeat(32)}` as Hex,
    tokensHash: `0x${'33'.repeat(32)}` as Hex,
    modelId,
    payer: payer.address,
    provider: providerAccount.address,
    inputTokens: 20n,
    outputTokens: 100n,
    servedAt: BigInt(Math.floor(Date.now() / 1000)),
    cost,
  }
  await store.addReceipt(base, async (cumulativeAmount) => {
    const receipt = { ...base, cumulativeAmount }
    const signature = await signReceipt({
      account: providerAccount,
      chainId: deployment.chainId,
      payments,
      receipt,
    })
    encodeSignedReceipt({ receipt, signature })
    return signature
  })
  admission.release()
}
const perRequestMs = (performance.now() - start) / N
await db.close()
await devChain.stop()
await rm(dir, { recursive: true, force: true })

const result = {
  benchmark: 'provider',
  date: new Date().toISOString(),
  machine: '2 cores, no GPU',
  model: { name: shapeName, ...modelShape, threads: THREADS, maxTokens: MAX_TOKENS },
  httpOverInProcess: {
    inProcessTokensPerSecond: Math.round(median(inProcess)),
    httpTokensPerSecond: Math.round(median(overHttp)),
    ratio: Number((median(overHttp) / median(inProcess)).toFixed(3)),
    target: '>= 0.95',
  },
  concurrency,
  paymentPath: {
    perRequestMs: Number(perRequestMs.toFixed(3)),
    requestsPerSecondOneCore: Math.round(1000 / perRequestMs),
    includes:
      'voucher decode + EIP-712 recover + channel read/write, cost, receipt EIP-712 sign, atomic owed update + receipt row (PGlite)',
  },
}
await writeFile(
  new URL(`./results/provider-${shapeName}.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
)
console.log(JSON.stringify(result, null, 2))
