/**
 * A provider killed (SIGKILL) while requests are between admission and commit: after a restart on the
 * same PGlite directory, its ledger holds every voucher it admitted an answered request on and every
 * receipt it answered, owed equals the receipts' costs to the wei, and the chain pays exactly the voucher
 * it kept (real anvil, real signatures, the real settler).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  anvilMnemonic,
  connect,
  type DevChain,
  meshTokenAbi,
  paymentsAbi,
  startDevChain,
} from '@infermesh/protocol'
import { createWalletClient, type Hex, http, parseEther } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { createSettler } from '../settler/createSettler.js'
import { createSqlChannelLedger } from './createSqlChannelLedger.js'

const devAccount = (index: number) => mnemonicToAccount(anvilMnemonic, { addressIndex: index })
const payer = devAccount(1)
const provider = devAccount(2)
const cost = parseEther('0.001') + 7n // not a round number: every wei shows
const workers = 4

/**
 * The provider's payment path in a process of its own: `workers` requests at a time, each admitted with
 * the voucher for what the payer has been answered so far (as a payer does), billed, and reported on
 * stdout once its receipt is answered. It runs until killed.
 */
const child = (env: Record<string, string>) => `
import { openDatabase } from ${JSON.stringify(import.meta.resolve('@infermesh/node/database'))}
import { encodeSignedVoucher, signReceipt, signVoucher } from ${JSON.stringify(import.meta.resolve('@infermesh/protocol'))}
import { mnemonicToAccount } from ${JSON.stringify(import.meta.resolve('viem/accounts'))}
import { createPaymentGate } from ${JSON.stringify(import.meta.resolve('./createPaymentGate.ts'))}
import { createSqlChannelLedger } from ${JSON.stringify(import.meta.resolve('./createSqlChannelLedger.ts'))}
const env = ${JSON.stringify(env)}
const account = (index) => mnemonicToAccount(env.mnemonic, { addressIndex: index })
const payer = account(1)
const provider = account(2)
const chainId = Number(env.chainId)
const payments = env.payments
const cost = BigInt(env.cost)
const ledger = await createSqlChannelLedger(await openDatabase({ dataDir: env.dir }), { writeBehind: env.writeBehind === 'true' })
const gate = createPaymentGate({
  chainId, payments, provider: provider.address, ledger, creditLimit: 10n ** 24n,
  availableAllocation: async () => BigInt(env.allocation),
})
let answered = 0n
async function worker() {
  for (;;) {
    const voucher = { payer: payer.address, provider: provider.address, modelId: env.modelId, cumulativeAmount: answered * cost }
    const signature = await signVoucher({ account: payer, chainId, payments, voucher })
    const admission = await gate.admit(encodeSignedVoucher({ voucher, signature }), env.modelId, cost)
    const record = { payer: payer.address, modelId: env.modelId, requestHash: '0x' + '11'.repeat(32), responseHash: '0x' + '22'.repeat(32), inputTokens: 3n, outputTokens: 5n, cost }
    const { cumulative } = await ledger.addReceipt(record, (cumulativeAmount) =>
      signReceipt({ account: provider, chainId, payments, receipt: { ...record, tokensHash: '0x' + '33'.repeat(32), servedAt: 1n, provider: provider.address, cumulativeAmount } }))
    admission.release()
    answered++
    process.stdout.write(JSON.stringify({ voucher: voucher.cumulativeAmount.toString(), cumulative: cumulative.toString() }) + '\\n')
  }
}
for (let i = 0; i < ${workers}; i++) void worker()
`

describe('the channel ledger across a crash (real anvil, PGlite directory, SIGKILL)', () => {
  let chain: DevChain
  let dir: string
  before(async () => {
    chain = await startDevChain()
    dir = await mkdtemp(join(tmpdir(), 'infermesh-ledger-crash-'))
  })
  after(async () => {
    await chain?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  for (const writeBehind of [false, true])
    it(`keeps every answered voucher and receipt, owes their sum to the wei, and redeems exactly the voucher it kept${writeBehind ? ' (write-behind journal)' : ''}`, async () => {
      // A channel and a database per run: the chain is shared.
      const modelId: Hex = writeBehind ? `0x${'ce'.repeat(32)}` : `0x${'cd'.repeat(32)}`
      const dbDir = join(dir, writeBehind ? 'db-journal' : 'db')
      const { payments, token } = chain.deployment.contracts
      const chainId = chain.deployment.chainId
      const allocation = parseEther('10')
      await chain.fund(payer.address, allocation)
      await chain.deposit(payer, allocation, [{ provider: provider.address, amount: allocation }])

      const script = join(dir, `provider-${writeBehind}.mts`)
      await writeFile(
        script,
        child({
          mnemonic: anvilMnemonic,
          chainId: String(chainId),
          payments,
          modelId,
          cost: cost.toString(),
          allocation: allocation.toString(),
          dir: dbDir,
          writeBehind: String(writeBehind),
        }),
      )
      const running = spawn(process.execPath, ['--import', 'tsx', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      running.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        running.on('exit', (_, signal) => resolve(signal)),
      )
      const answered: { voucher: bigint; cumulative: bigint }[] = []
      for await (const line of createInterface({ input: running.stdout })) {
        const { voucher, cumulative } = JSON.parse(line) as { voucher: string; cumulative: string }
        answered.push({ voucher: BigInt(voucher), cumulative: BigInt(cumulative) })
        // Killed mid-stream: other requests are admitted, billed, or waiting for their commit.
        if (answered.length === 60) running.kill('SIGKILL')
      }
      assert.equal(await exited, 'SIGKILL', stderr)

      const db = await openDatabase({ dataDir: dbDir })
      try {
        const ledger = await createSqlChannelLedger(db, { writeBehind })
        const channel = await ledger.get(payer.address, modelId)
        const receipts = BigInt((await ledger.totals()).receipts)
        // Every receipt answered is there; at most the `workers` in flight were committed and not yet reported.
        assert.ok(
          receipts >= BigInt(answered.length),
          `${receipts} receipts kept, ${answered.length} answered`,
        )
        assert.ok(receipts <= BigInt(answered.length + workers))
        // Owed is the receipts' costs, to the wei, and every answered cumulative is one of its steps.
        assert.equal(channel.owed, receipts * cost)
        for (const { cumulative } of answered) assert.equal(cumulative % cost, 0n)
        assert.equal(new Set(answered.map(({ cumulative }) => cumulative)).size, answered.length)
        // Every voucher a request was answered on is durable (the highest is the channel's, or lower than it).
        const highestAnswered = answered.reduce((max, { voucher }) => (voucher > max ? voucher : max), 0n)
        assert.ok(
          channel.voucher >= highestAnswered,
          `voucher ${channel.voucher} < answered ${highestAnswered}`,
        )
        assert.ok(channel.voucher <= channel.owed)

        // What it can still redeem, it redeems, to the wei.
        const { chain: viemChain, publicClient } = await connect({ rpcUrl: chain.anvil.rpcUrl })
        const walletClient = createWalletClient({
          account: provider,
          chain: viemChain,
          transport: http(chain.anvil.rpcUrl),
        })
        const settler = createSettler({
          ledger,
          publicClient,
          walletClient,
          payments,
          batchSize: 10,
          intervalMs: 3_600_000,
          minAmount: 0n,
          log: { info: () => {}, warn: () => {} },
        })
        const balanceOf = (address: Hex) =>
          publicClient.readContract({
            address: token,
            abi: meshTokenAbi,
            functionName: 'balanceOf',
            args: [address],
          })
        const allocationOf = async () =>
          (
            await publicClient.readContract({
              address: payments,
              abi: paymentsAbi,
              functionName: 'allocationOf',
              args: [payer.address, provider.address],
            })
          )[0]
        const before = await balanceOf(provider.address)
        const allocated = await allocationOf()
        const result = await settler.settleNow()
        assert.equal(result.amount, channel.voucher)
        assert.equal(result.skipped, 0)
        const burned = (channel.voucher * 500n + 9_999n) / 10_000n // the model is not registered: no royalty
        assert.equal((await balanceOf(provider.address)) - before, channel.voucher - burned)
        // The chain is shared by both runs: the allocation drops by exactly what was redeemed.
        assert.equal((await allocationOf()) + channel.voucher, allocated)
        assert.equal((await ledger.get(payer.address, modelId)).redeemed, channel.voucher)
      } finally {
        await db.close()
      }
    })
})
