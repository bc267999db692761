import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, runCli, spawnCli } from '@infermesh/cli/testing'
import {
  disputesAbi,
  getJob,
  hashRequest,
  jobCoordinatorAbi,
  meshTokenAbi,
  type NamedJob,
  paymentsAbi,
  questionOracleAbi,
  readJobDelivered,
  readJobRequested,
  registryAbi,
} from '@infermesh/protocol'
import { chromium } from 'playwright-core'
import solc from 'solc'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  hexToString,
  http,
  keccak256,
  parseAbi,
  parseEther,
  parseEventLogs,
  recoverAddress,
  stringToHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/**
 * Deadlines bound how long a broken network hangs the run (CI runs this beside other e2e files on two
 * cores); what each step proves is in the assertions after it.
 */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    const value = await check().catch((error) => {
      lastError = error
      return undefined
    })
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError })
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** A consumer whose callback always reverts (test only), compiled with solc-js against the real base. */
const revertingConsumerSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {InferMeshConsumer} from "InferMeshConsumer.sol";
import {IJobCoordinator} from "interfaces/IJobCoordinator.sol";
import {IDisputes} from "interfaces/IDisputes.sol";
contract RevertingConsumer is InferMeshConsumer {
    constructor(IJobCoordinator coordinator_) InferMeshConsumer(coordinator_) {}
    function requestJob(IJobCoordinator.JobRequest calldata job) external returns (uint256) {
        return _requestInference(job.modelId, job.input, job.maxTokens, job.temperatureMilli, job.seed,
            job.maxPayment, job.callbackGasLimit, job.ttl);
    }
    function _onInferenceResult(uint256, bytes calldata, IDisputes.Receipt calldata) internal pure override {
        revert("the consumer refuses every answer");
    }
}`

function compileRevertingConsumer(): Hex {
  const require = createRequire(import.meta.url)
  const src = new URL('../../contracts/src/', import.meta.url).pathname
  const findImports = (path: string) => {
    try {
      const file = path.startsWith('@openzeppelin/') ? require.resolve(path) : join(src, path)
      return { contents: require('node:fs').readFileSync(file, 'utf8') as string }
    } catch {
      return { error: `File not found: ${path}` }
    }
  }
  const input = {
    language: 'Solidity',
    sources: { 'RevertingConsumer.sol': { content: revertingConsumerSource } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error')
  assert.deepEqual(errors, [])
  return `0x${output.contracts['RevertingConsumer.sol'].RevertingConsumer.evm.bytecode.object}`
}

const revertingConsumerAbi = parseAbi([
  'struct JobRequest { bytes32 modelId; bytes input; uint32 maxTokens; uint16 temperatureMilli; uint64 seed; uint256 maxPayment; uint32 callbackGasLimit; uint64 ttl; }',
  'function requestJob(JobRequest job) returns (uint256)',
])

/**
 * Issue 15 on a real network, every part its own process: `infermesh up` with three providers (1 honest,
 * 2 honest but stopped before any job, 3 answering random tokens with valid receipts) and four validators
 * that re-execute every delivered job. The example QuestionOracle gets its callback with the output the
 * receipt signs; a job drawn for the stopped provider is reassigned after its response window; a consumer
 * whose callback reverts still pays; the cheater's delivery is disputed and slashed; every escrowed wei
 * ends with a provider, the burn, the royalty receiver or the requester.
 */
describe('on-chain jobs: request, draw, deliver with a callback, reassign, dispute and settle on a real network', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let coordinator: Address
  let oracle: Address
  let consumer: Address
  let modelId: Hex
  const jobs = new Map<bigint, { requester: Address; requestedAt: number }>()
  const figures: Record<string, unknown> = {}
  /** When the test saw each job delivered (or assigned to the stopped provider), polling every 500 ms. */
  const seenAt = new Map<bigint, number>()
  /** The MESH the two consumer contracts hold once funded, before any job. */
  let balancesBefore = 0n
  /** The stopped provider's job bond when it stopped. */
  let stoppedBond = 0n
  const publicClient = () => createPublicClient({ transport: http(devnet.rpcUrl) })
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    publicClient().readContract({ address, abi, functionName, args } as never) as Promise<T>
  const balanceOf = (account: Address) =>
    read<bigint>(devnet.contracts.token, meshTokenAbi, 'balanceOf', [account])
  const walletOf = (privateKey: Hex) =>
    createWalletClient({ account: privateKeyToAccount(privateKey), transport: http(devnet.rpcUrl) })
  const send = async (
    privateKey: Hex,
    call: { address: Address; abi: unknown; functionName: string; args: unknown[] },
  ) => {
    const hash = await walletOf(privateKey).writeContract({ ...call, chain: null } as never)
    const receipt = await publicClient().waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `${call.functionName} reverted`)
    return receipt
  }
  const rpc = (method: string, params: unknown[]) => publicClient().request({ method, params } as never)
  const job = (jobId: bigint) => getJob({ publicClient: publicClient(), coordinator, jobId })
  const provider = (index: number) => devnet.providers[index]?.address as Address
  const asker = () => devnet.accounts.at(-1) as { address: Address; privateKey: Hex }

  /** Waits until the job is delivered, or assigned to the stopped provider; returns it. */
  const settledOn = (jobId: bigint, stopped: Address) =>
    until(`job ${jobId} delivered or assigned to the stopped provider`, 120_000, async () => {
      const j = await job(jobId)
      if (j.state === 'delivered') return j
      if (j.state === 'assigned' && j.provider === stopped) return j
      return undefined
    })

  const ask = async (question: string): Promise<bigint> => {
    const receipt = await send(asker().privateKey, {
      address: oracle,
      abi: questionOracleAbi,
      functionName: 'ask',
      args: [modelId, question, 8, parseEther('0.01')],
    })
    const [asked] = parseEventLogs({ abi: questionOracleAbi, eventName: 'QuestionAsked', logs: receipt.logs })
    assert.ok(asked)
    jobs.set(asked.args.jobId, { requester: oracle, requestedAt: performance.now() })
    return asked.args.jobId
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-jobs-'))
    up = spawnCli([
      'up',
      ...['--providers', '3', '--validators', '4', '--cheat', '3:random-tokens'],
      ...['--probe-tokens', '0', '--sampling', '0'],
      ...['--chain-port', '0', '--port', '0', '--explorer-port', '0', '--dir', dir],
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 300_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    coordinator = devnet.contracts.jobCoordinator
    oracle = devnet.contracts.questionOracle
    assert.match(up.output(), new RegExp(`job coordinator ${coordinator}, QuestionOracle ${oracle}`))
    const [id] = await read<Hex[]>(
      devnet.contracts.models,
      parseAbi(['function getModelIds(uint256,uint256) view returns (bytes32[])']),
      'getModelIds',
      [0n, 1n],
    )
    modelId = id as Hex
    // A short response window (the least the coordinator allows) so a missed deadline is seen in a minute.
    const params = await read<Record<string, unknown>>(coordinator, jobCoordinatorAbi, 'params')
    await send(devnet.deployer.privateKey, {
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'setParams',
      args: [{ ...params, responseWindow: 60n }],
    })
    // The asker pays the oracle's questions; the reverting consumer pays from its own MESH.
    await send(devnet.deployer.privateKey, {
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'transfer',
      args: [asker().address, parseEther('10')],
    })
    await send(asker().privateKey, {
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [oracle, parseEther('10')],
    })
    const hash = await walletOf(devnet.deployer.privateKey).deployContract({
      abi: parseAbi(['constructor(address coordinator)']),
      bytecode: compileRevertingConsumer(),
      args: [coordinator],
      chain: null,
    })
    consumer = getAddress(
      (await publicClient().waitForTransactionReceipt({ hash })).contractAddress as Address,
    )
    await send(devnet.deployer.privateKey, {
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'transfer',
      args: [consumer, parseEther('1')],
    })
    balancesBefore = (await balanceOf(oracle)) + (await balanceOf(consumer))
    // Every provider enrolled itself (jobs.enroll is on in the devnet), then provider 2 stops for good.
    for (const p of devnet.providers)
      await until(`${p.address} enrolled`, 60_000, async () =>
        (await read<Hex[]>(coordinator, jobCoordinatorAbi, 'enrolledModels', [p.address])).length > 0
          ? true
          : undefined,
      )
    stoppedBond = await read<bigint>(coordinator, jobCoordinatorAbi, 'bondOf', [provider(1)])
    process.kill(devnet.providers[1]?.pid as number, 'SIGKILL')
  })
  after(async () => {
    console.log(`jobs e2e figures: ${JSON.stringify(figures)}`)
    await up?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** The first jobs and where they went: honest (1), stopped (2), cheater (3). */
  const drawn = { honest: [] as NamedJob[], stopped: [] as NamedJob[], cheater: [] as NamedJob[] }

  it('the QuestionOracle gets its callback with the output the provider signed in its receipt', async () => {
    for (let i = 1; i <= 15; i++) {
      if (drawn.honest.length > 0 && drawn.stopped.length > 0 && drawn.cheater.length > 0) break
      const jobId = await ask(`What is ${i} + ${i}?`)
      const j = await settledOn(jobId, provider(1))
      seenAt.set(jobId, performance.now())
      if (j.state === 'assigned') drawn.stopped.push(j)
      else if (j.provider === provider(2)) drawn.cheater.push(j)
      else drawn.honest.push(j)
    }
    const [honest] = drawn.honest
    assert.ok(honest, 'no job went to the honest provider in 15 questions')
    const delivered = await readJobDelivered({
      publicClient: publicClient(),
      coordinator,
      jobId: honest.id,
      fromBlock: honest.requestBlock,
    })
    assert.ok(delivered)
    const requested = await readJobRequested({
      publicClient: publicClient(),
      coordinator,
      jobId: honest.id,
      requestBlock: honest.requestBlock,
    })
    // The callback stored exactly the delivered output, and the receipt signs that output and that request.
    const answer = await read<{ answer: string; provider: Address; receiptDigest: Hex }>(
      oracle,
      questionOracleAbi,
      'answerOf',
      [honest.id],
    )
    assert.equal(answer.answer, delivered.outputText)
    assert.equal(answer.provider, provider(0))
    assert.equal(answer.receiptDigest, delivered.receiptDigest)
    const { receipt } = delivered
    assert.equal(receipt.responseHash, keccak256(delivered.output))
    assert.equal(receipt.payer, coordinator)
    assert.equal(receipt.provider, provider(0))
    assert.equal(receipt.cumulativeAmount, receipt.cost)
    const requestBytes = await read<Hex>(coordinator, jobCoordinatorAbi, 'requestBytes', [
      honest.id,
      requested.input,
    ])
    assert.equal(receipt.requestHash, keccak256(requestBytes))
    const { body, kind } = JSON.parse(hexToString(requestBytes)) as { body: unknown; kind: 'chat' }
    assert.equal(receipt.requestHash, hashRequest(kind, body))
    assert.equal(
      await recoverAddress({ hash: delivered.receiptDigest, signature: delivered.signature }),
      provider(0),
    )
    const tx = await publicClient().getTransactionReceipt({ hash: delivered.transactionHash })
    const results = parseEventLogs({ abi: jobCoordinatorAbi, eventName: 'CallbackResult', logs: tx.logs })
    assert.deepEqual(
      results.map((r) => [r.args.jobId, r.args.success]),
      [[honest.id, true]],
    )
    figures.deliverGas = tx.gasUsed.toString()
    figures.deliveryLatencyMs = Math.round(
      (seenAt.get(honest.id) ?? 0) - (jobs.get(honest.id)?.requestedAt ?? 0),
    )
  })

  it('a job drawn for a stopped provider is reassigned once its response window passed, and delivered by another', async () => {
    let [missed] = drawn.stopped
    for (let i = 0; !missed && i < 12; i++) {
      const j = await settledOn(await ask(`Will provider 2 answer ${i}?`), provider(1))
      if (j.state === 'assigned') missed = j
    }
    assert.ok(missed, 'no job was drawn for the stopped provider')
    const penalty = (await read<{ missPenalty: bigint }>(coordinator, jobCoordinatorAbi, 'params'))
      .missPenalty
    const after = await until(`job ${missed.id} reassigned and delivered`, 240_000, async () => {
      const j = await job(missed.id)
      return j.state === 'delivered' ? j : undefined
    })
    assert.notEqual(after.provider, provider(1))
    assert.ok(after.attempts >= 2)
    const events = await publicClient().getContractEvents({
      address: coordinator,
      abi: jobCoordinatorAbi,
      eventName: 'DeadlineMissed',
      args: { jobId: missed.id },
      fromBlock: 0n,
      strict: true,
    })
    assert.deepEqual(
      events.map((e) => [e.args.provider, e.args.penalty]),
      [[provider(1), penalty]],
    )
    // Its bond paid the penalty of every job it missed (another may have been drawn for it meanwhile).
    const misses = await publicClient().getContractEvents({
      address: coordinator,
      abi: jobCoordinatorAbi,
      eventName: 'DeadlineMissed',
      args: { provider: provider(1) },
      fromBlock: 0n,
      strict: true,
    })
    assert.equal(
      await read<bigint>(coordinator, jobCoordinatorAbi, 'bondOf', [provider(1)]),
      stoppedBond - penalty * BigInt(misses.length),
    )
    assert.deepEqual(await read<Hex[]>(coordinator, jobCoordinatorAbi, 'enrolledModels', [provider(1)]), [])
  })

  it('a consumer whose callback reverts still gets its job delivered (and paid for at settlement)', async () => {
    let delivered: NamedJob | undefined
    for (let i = 0; !delivered && i < 10; i++) {
      const receipt = await send(devnet.deployer.privateKey, {
        address: consumer,
        abi: revertingConsumerAbi,
        functionName: 'requestJob',
        args: [
          {
            modelId,
            input: stringToHex(`[{"content":"refuse ${i}","role":"user"}]`),
            maxTokens: 8,
            temperatureMilli: 0,
            seed: 7n,
            maxPayment: parseEther('0.01'),
            callbackGasLimit: 100_000,
            ttl: 3600n,
          },
        ],
      })
      const [requested] = parseEventLogs({
        abi: jobCoordinatorAbi,
        eventName: 'JobRequested',
        logs: receipt.logs,
      })
      assert.ok(requested)
      jobs.set(requested.args.jobId, { requester: consumer, requestedAt: performance.now() })
      const j = await until(`job ${requested.args.jobId} delivered`, 120_000, async () => {
        const now = await job(requested.args.jobId)
        return now.state === 'delivered' ? now : undefined
      })
      if (j.provider === provider(0)) delivered = j
      else if (j.provider === provider(2)) drawn.cheater.push(j)
    }
    assert.ok(delivered, 'no reverting-consumer job went to the honest provider')
    const event = await readJobDelivered({
      publicClient: publicClient(),
      coordinator,
      jobId: delivered.id,
      fromBlock: delivered.requestBlock,
    })
    assert.ok(event)
    const tx = await publicClient().getTransactionReceipt({ hash: event.transactionHash })
    const results = parseEventLogs({ abi: jobCoordinatorAbi, eventName: 'CallbackResult', logs: tx.logs })
    assert.deepEqual(
      results.map((r) => [r.args.jobId, r.args.success]),
      [[delivered.id, false]],
    )
    figures.deliverGasRevertingCallback = tx.gasUsed.toString()
  })

  it("the cheater's delivery is disputed by a validator and the cheater is slashed", async () => {
    let [cheat] = drawn.cheater
    for (let i = 0; !cheat && i < 12; i++) {
      const j = await settledOn(await ask(`A question for the cheater ${i}`), provider(1))
      if (j.state === 'delivered' && j.provider === provider(2)) cheat = j
    }
    assert.ok(cheat, 'no job went to the cheating provider')
    const digest = cheat.receiptDigest
    const opened = await until('the dispute of the cheating delivery', 180_000, async () => {
      const events = await publicClient().getContractEvents({
        address: devnet.contracts.disputes,
        abi: disputesAbi,
        eventName: 'DisputeOpened',
        fromBlock: 0n,
        strict: true,
      })
      return events.find((e) => e.args.receiptDigest === digest)
    })
    assert.equal(opened.args.provider, provider(2))
    assert.ok(devnet.validators.some((v) => v.address === opened.args.challenger))
    const resolved = await until('the verdict on the cheating delivery', 400_000, async () => {
      const events = await publicClient().getContractEvents({
        address: devnet.contracts.disputes,
        abi: disputesAbi,
        eventName: 'DisputeResolved',
        args: { id: opened.args.id },
        fromBlock: 0n,
        strict: true,
      })
      return events[0]
    })
    assert.equal(resolved.args.outcome, 1, 'guilty')
    assert.equal(resolved.args.slashed, opened.args.slashAmount)
    assert.ok(opened.args.slashAmount > 0n)
    const [, staked] = await read<readonly [number, bigint, bigint, bigint]>(
      devnet.contracts.registry,
      registryAbi,
      'stakeOf',
      [provider(2)],
    )
    figures.cheaterStakeAfter = staked.toString()
  })

  it('money balances to the wei: every escrowed wei went to a provider, the burn, the royalty or back to the requester', async () => {
    // Every dispute resolved first (another validator may have disputed a second cheating delivery): a
    // warp in the middle of a committee's commit phase would leave it without votes.
    await until('every dispute resolved', 400_000, async () => {
      const [opened, resolved] = await Promise.all(
        (['DisputeOpened', 'DisputeResolved'] as const).map((eventName) =>
          publicClient().getContractEvents({
            address: devnet.contracts.disputes,
            abi: disputesAbi,
            eventName,
            fromBlock: 0n,
          }),
        ),
      )
      return opened?.length === resolved?.length ? true : undefined
    })
    // Past every dispute window: the providers' job workers settle what they delivered.
    const window = (await read<{ disputeWindow: bigint }>(devnet.contracts.disputes, disputesAbi, 'params'))
      .disputeWindow
    await rpc('evm_increaseTime', [Number(window) + 1])
    await rpc('evm_mine', [])
    const ids = [...jobs.keys()]
    const final = await until('every job settled or refunded', 120_000, async () => {
      const all = await Promise.all(ids.map((id) => job(id)))
      for (const j of all)
        if (j.state === 'delivered' && j.provider === provider(2))
          // The cheater's job (guilty: refunded) may be settled by anyone: the test does it if nobody did yet.
          await send(devnet.deployer.privateKey, {
            address: coordinator,
            abi: jobCoordinatorAbi,
            functionName: 'settle',
            args: [j.id],
          }).catch(() => {})
      return all.every((j) => j.state === 'settled' || j.state === 'refunded') ? all : undefined
    })
    const events = async (eventName: 'JobSettled' | 'JobRefunded' | 'DeadlineMissed') =>
      (await publicClient().getContractEvents({
        address: coordinator,
        abi: jobCoordinatorAbi,
        eventName,
        fromBlock: 0n,
        strict: true,
      })) as unknown as {
        args: { jobId: bigint; cost: bigint; refund: bigint; amount: bigint; penalty: bigint }
        transactionHash: Hex
      }[]
    const [settled, refunded, missed] = await Promise.all([
      events('JobSettled'),
      events('JobRefunded'),
      events('DeadlineMissed'),
    ])
    const paid = await publicClient().getContractEvents({
      address: devnet.contracts.payments,
      abi: paymentsAbi,
      eventName: 'Paid',
      args: { payer: coordinator },
      fromBlock: 0n,
      strict: true,
    })
    let escrowed = 0n
    let refunds = 0n
    let costs = 0n
    const back = new Map<Address, bigint>()
    let consumerEscrow = 0n
    for (const j of final) {
      escrowed += j.maxPayment
      if (j.requester === consumer) consumerEscrow += j.maxPayment
      const s = settled.find((e) => e.args.jobId === j.id)
      const r = refunded.find((e) => e.args.jobId === j.id)
      if (s) {
        assert.equal(s.args.cost + s.args.refund, j.maxPayment, `job ${j.id}: cost + refund = its escrow`)
        costs += s.args.cost
        refunds += s.args.refund
        back.set(j.requester, (back.get(j.requester) ?? 0n) + s.args.refund)
      } else {
        assert.ok(r, `job ${j.id} neither settled nor refunded`)
        // A refund carries the escrow, plus a miss penalty when the job expired in the same transaction.
        const penalty = missed.find((m) => m.transactionHash === r.transactionHash)?.args.penalty ?? 0n
        assert.equal(r.args.amount, j.maxPayment + penalty)
        refunds += j.maxPayment
        back.set(j.requester, (back.get(j.requester) ?? 0n) + r.args.amount)
      }
    }
    let toProviders = 0n
    let burned = 0n
    let royalties = 0n
    for (const p of paid) {
      toProviders += p.args.amount - p.args.burned - p.args.royalty
      burned += p.args.burned
      royalties += p.args.royalty
    }
    assert.equal(paid.length, settled.filter((e) => e.args.cost > 0n).length)
    assert.equal(toProviders + burned + royalties, costs)
    assert.equal(escrowed, toProviders + burned + royalties + refunds)
    // Miss penalties (from the stopped provider's bond) went to the requesters, on top of their refunds.
    const penalties = missed.reduce((sum, e) => sum + e.args.penalty, 0n)
    assert.ok(penalties > 0n)
    assert.equal(
      (await balanceOf(oracle)) + (await balanceOf(consumer)),
      balancesBefore +
        [...back.values()].reduce((a, b) => a + b, 0n) +
        penaltiesPaidOnReassign(missed, refunded) -
        consumerEscrow,
    )
    // What the coordinator holds now is exactly the job bonds: no escrow left behind.
    const bonds = await Promise.all(
      devnet.providers.map((p) => read<bigint>(coordinator, jobCoordinatorAbi, 'bondOf', [p.address])),
    )
    assert.equal(
      await balanceOf(coordinator),
      bonds.reduce((a, b) => a + b, 0n),
    )
    // Delivery latency on the chain's clock: request block to delivery block, per delivered job.
    const latencies: number[] = []
    for (const j of final) {
      if (j.servedAt === 0n) continue
      const delivered = await readJobDelivered({
        publicClient: publicClient(),
        coordinator,
        jobId: j.id,
        fromBlock: j.requestBlock,
      })
      if (!delivered) continue
      const [requestedBlock, deliveredBlock] = await Promise.all([
        publicClient().getBlock({ blockNumber: j.requestBlock }),
        publicClient().getBlock({ blockNumber: delivered.blockNumber }),
      ])
      if (j.attempts === 1) latencies.push(Number(deliveredBlock.timestamp - requestedBlock.timestamp))
    }
    latencies.sort((a, b) => a - b)
    figures.chainLatencySeconds = {
      median: latencies[Math.floor(latencies.length / 2)],
      max: latencies.at(-1),
      jobs: latencies.length,
    }
    figures.jobs = final.length
    figures.escrowedWei = escrowed.toString()
    figures.toProvidersWei = toProviders.toString()
    figures.burnedWei = burned.toString()
    figures.royaltiesWei = royalties.toString()
    figures.refundsWei = refunds.toString()
    figures.penaltiesWei = penalties.toString()
  })

  it('the explorer shows every job with its state, provider, output, callback, refund and dispute', async () => {
    const explorer = devnet.explorer?.url
    assert.ok(explorer)
    const ids = [...jobs.keys()]
    type Listed = {
      id: string
      status: string
      provider: string | null
      output: string | null
      callback_success: boolean | null
      refund: string | null
      refund_reason: string | null
      missed: { provider: string }[]
      dispute: { outcome: string | null } | null
    }
    const listed = await until('the explorer indexed every closed job', 60_000, async () => {
      const body = (await (await fetch(`${explorer}/api/jobs?limit=200`)).json()) as { jobs: Listed[] }
      return ids.every((id) =>
        body.jobs.some((j) => j.id === id.toString() && (j.status === 'settled' || j.status === 'refunded')),
      )
        ? body.jobs
        : undefined
    })
    for (const id of ids) {
      const onChain = await job(id)
      const shown = listed.find((j) => j.id === id.toString()) as Listed
      assert.equal(shown.status, onChain.state)
      assert.equal(shown.provider, onChain.provider.toLowerCase())
      const delivered = await readJobDelivered({
        publicClient: publicClient(),
        coordinator,
        jobId: id,
        fromBlock: onChain.requestBlock,
      })
      if (
        delivered &&
        delivered.outputText.length < 1000 &&
        !delivered.outputText.includes('\uFFFD') &&
        !delivered.outputText.includes('\u0000')
      )
        assert.equal(shown.output, delivered.outputText)
    }
    const refunded = listed.filter((j) => j.status === 'refunded')
    assert.ok(
      refunded.length > 0 &&
        refunded.every((j) => j.refund_reason === 'guilty' && j.dispute?.outcome === 'guilty'),
    )
    assert.ok(listed.some((j) => j.missed.some((m) => m.provider === provider(1).toLowerCase())))
    assert.ok(listed.some((j) => j.callback_success === false))
    const one = (await (await fetch(`${explorer}/api/jobs/${ids[0]}`)).json()) as Listed
    assert.equal(one.id, ids[0]?.toString())
    // The pages a person reads: the list, and a job's timeline with its output.
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    try {
      const page = await browser.newPage()
      await page.goto(`${explorer}/jobs`)
      await page.getByTestId('job-row').first().waitFor({ timeout: 30_000 })
      assert.equal(await page.getByTestId('job-row').count(), listed.length)
      const honest = listed.find((j) => j.status === 'settled' && j.callback_success === true) as Listed
      await page.goto(`${explorer}/jobs/${honest.id}`)
      await page.getByTestId('job-paid').waitFor({ timeout: 30_000 })
      assert.match((await page.getByTestId('job-delivered').textContent()) ?? '', /callback succeeded/)
      assert.equal(await page.getByTestId('job-output').textContent(), honest.output)
      const guilty = refunded[0] as Listed
      await page.goto(`${explorer}/jobs/${guilty.id}`)
      await page.getByTestId('job-refunded').waitFor({ timeout: 30_000 })
      assert.match((await page.getByTestId('job-disputed').textContent()) ?? '', /guilty/)
    } finally {
      await browser.close()
    }
    // What a person sees from the command line.
    const devnetFile = join(dir, 'devnet.json')
    const honestId = (listed.find((j) => j.status === 'settled' && j.callback_success === true) as Listed).id
    const status = await runCli(['job', 'status', honestId, '--devnet', devnetFile])
    assert.equal(status.code, 0, status.stderr)
    assert.match(status.stdout, new RegExp(`^job ${honestId}: settled$`, 'm'))
    assert.match(status.stdout, /^ {2}receipt {6}0x[0-9a-f]{64}: \d+ input \+ \d+ output tokens/m)
    const list = await runCli(['job', 'list', '--status', 'refunded', '--json', '--devnet', devnetFile])
    assert.equal(list.code, 0, list.stderr)
    assert.deepEqual(
      (JSON.parse(list.stdout) as { id: string }[]).map((j) => j.id),
      refunded.map((j) => j.id),
    )
    const unknown = await runCli(['job', 'status', '999999', '--devnet', devnetFile])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /Job 999999 does not exist on the JobCoordinator/)
    const missing = await fetch(`${explorer}/api/jobs/999999`)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'unknown_job')
  })
})

/** Penalties paid straight to the requester when a job was reassigned (not inside an expiry's refund). */
function penaltiesPaidOnReassign(
  missed: { args: { penalty: bigint }; transactionHash: Hex }[],
  refunded: { transactionHash: Hex }[],
): bigint {
  return missed
    .filter((m) => !refunded.some((r) => r.transactionHash === m.transactionHash))
    .reduce((sum, m) => sum + m.args.penalty, 0n)
}
