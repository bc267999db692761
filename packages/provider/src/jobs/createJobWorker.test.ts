import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLlamaBackend, modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import { type Database, openDatabase } from '@infermesh/node/database'
import {
  computeCost,
  type DevChain,
  disputesAbi,
  getJob,
  jobCoordinatorAbi,
  meshTokenAbi,
  modelRegistryAbi,
  readJobDelivered,
  registryAbi,
  requestJob,
  startDevChain,
} from '@infermesh/protocol'
import pino from 'pino'
import { createWalletClient, type Hex, http, keccak256, parseEther, stringToHex, zeroAddress } from 'viem'
import { createLimiter } from '../server/createLimiter.js'
import { createJobStore } from './createJobStore.js'
import { createJobWorker } from './createJobWorker.js'

const prices = { pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('2') }

describe('the provider job worker (real anvil, llama.cpp tiny model, PGlite)', () => {
  let chain: DevChain
  let dir: string
  let db: Database
  let backend: Awaited<ReturnType<typeof createLlamaBackend>>
  let modelId: Hex
  const provider = () => chain.account(2)
  const requester = () => chain.account(1)
  const rpc = (method: string, params: unknown[]) => chain.publicClient.request({ method, params } as never)
  const workerWith = async () =>
    createJobWorker({
      publicClient: chain.publicClient,
      walletClient: createWalletClient({
        account: provider(),
        chain: chain.publicClient.chain,
        transport: http(chain.anvil.rpcUrl),
      }),
      account: provider(),
      chainId: chain.deployment.chainId,
      coordinator: chain.deployment.contracts.jobCoordinator,
      payments: chain.deployment.contracts.payments,
      backend,
      models: [{ name: 'tiny', modelId, contextLength: 256, embeddings: false, ...prices }],
      limiter: createLimiter({ concurrency: 1, maxQueue: 8 }),
      store: await createJobStore(db),
      config: {
        enroll: true,
        maxTokens: 16,
        pollMs: 60_000,
        triggerSubscriptions: true,
        settle: true,
        deliveryAttempts: 3,
        lookBackBlocks: 10_000,
      },
      log: pino({ level: process.env.JOB_WORKER_TEST_LOG ?? 'silent' }),
    })
  const events = (eventName: 'JobDelivered' | 'JobDeclined' | 'JobSettled') =>
    chain.publicClient.getContractEvents({
      address: chain.deployment.contracts.jobCoordinator,
      abi: jobCoordinatorAbi,
      eventName,
      fromBlock: 0n,
      strict: true,
    })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-job-worker-'))
    const path = join(dir, 'tiny.gguf')
    await writeTinyModel({ out: path, seed: 1 })
    modelId = await modelIdOfFile(path)
    backend = await createLlamaBackend({
      models: [{ name: 'tiny', path, contextLength: 256 }],
      threads: 1,
      sequences: 1,
    })
    chain = await startDevChain()
    db = await openDatabase()
    const { models, registry } = chain.deployment.contracts
    await chain.send(chain.account(3), {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny', '', 0, zeroAddress],
    })
    await chain.fund(provider().address, parseEther('2000'))
    await chain.stake(provider(), parseEther('1500'))
    await chain.send(provider(), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://provider.test',
        'eu-west',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 4, ramMb: 8192 },
        [{ modelId, ...prices }],
      ],
    })
    await chain.fund(requester().address, parseEther('10'))
  })
  after(async () => {
    await backend?.close()
    await db?.close()
    await chain?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('enrolls, draws its own job, runs it as the HTTP path would and delivers it with a receipt the coordinator takes; declines a non-canonical input', async () => {
    const { jobCoordinator: coordinator, token } = chain.deployment.contracts
    const worker = await workerWith()
    await worker.tick()
    assert.deepEqual(
      await chain.publicClient.readContract({
        address: coordinator,
        abi: jobCoordinatorAbi,
        functionName: 'enrolledModels',
        args: [provider().address],
      }),
      [modelId],
    )
    const walletClient = createWalletClient({
      account: requester(),
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    })
    const messages = [{ role: 'user' as const, content: 'Hello there' }]
    const { jobId } = await requestJob({
      publicClient: chain.publicClient,
      walletClient,
      coordinator,
      token,
      modelId,
      messages,
      maxTokens: 8,
      temperatureMilli: 700,
      seed: 5n,
      maxPayment: parseEther('0.1'),
    })
    // Not canonical JSON (a space): the coordinator takes it, the provider declines it.
    await chain.send(requester(), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [coordinator, parseEther('0.1')],
    })
    await chain.send(requester(), {
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'request',
      args: [
        {
          modelId,
          input: stringToHex('[{"role": "user","content":"hi"}]'),
          maxTokens: 8,
          temperatureMilli: 0,
          seed: 0n,
          maxPayment: parseEther('0.1'),
          callbackGasLimit: 0,
          ttl: 600n,
        },
      ],
    })
    await rpc('evm_mine', [])
    await rpc('evm_mine', [])
    await worker.tick()

    const job = await getJob({ publicClient: chain.publicClient, coordinator, jobId })
    assert.equal(job.state, 'delivered')
    const delivered = await readJobDelivered({ publicClient: chain.publicClient, coordinator, jobId })
    assert.ok(delivered)
    const again = await backend.generate({ model: 'tiny', messages, maxTokens: 8, temperature: 0.7, seed: 5 })
    assert.equal(delivered.outputText, again.text, 'the same backend and seeded sampler as HTTP requests')
    const { receipt } = delivered
    assert.equal(receipt.payer, coordinator)
    assert.equal(receipt.responseHash, keccak256(delivered.output))
    assert.equal(receipt.outputTokens, BigInt(again.outputTokens))
    assert.equal(
      receipt.cost,
      computeCost({ inputTokens: receipt.inputTokens, outputTokens: receipt.outputTokens, ...prices }),
    )
    assert.equal(receipt.cumulativeAmount, receipt.cost)
    const declined = await events('JobDeclined')
    assert.ok(declined.some((e) => e.args.jobId === jobId + 1n && e.args.provider === provider().address))
    assert.equal((await (await createJobStore(db)).get(jobId))?.outcome, 'delivered')
    await worker.stop()
  })

  it('never delivers twice: a restarted worker whose store lost the delivery reads the status on chain', async () => {
    await db.query(`delete from provider_jobs where outcome = 'delivered'`)
    const worker = await workerWith()
    await worker.tick()
    await worker.tick()
    assert.equal((await events('JobDelivered')).length, 1)
    await worker.stop()
  })

  it('settles its delivered job once the dispute window has passed', async () => {
    const { disputes, jobCoordinator: coordinator } = chain.deployment.contracts
    // The store marks the delivery again (the restarted worker only knows what the chain told it).
    const store = await createJobStore(db)
    const job = await getJob({ publicClient: chain.publicClient, coordinator, jobId: 1n })
    await store.put({ jobId: 1n, outcome: 'delivered', tx: null, servedAt: job.servedAt })
    const { disputeWindow } = (await chain.publicClient.readContract({
      address: disputes,
      abi: disputesAbi,
      functionName: 'params',
    })) as { disputeWindow: bigint }
    await rpc('evm_increaseTime', [Number(disputeWindow) + 1])
    await rpc('evm_mine', [])
    const worker = await workerWith()
    await worker.tick()
    await worker.stop()
    const settled = (await events('JobSettled')) as unknown as {
      args: { jobId: bigint; cost: bigint; refund: bigint }
    }[]
    assert.deepEqual(
      settled.map((e) => [e.args.jobId, e.args.cost, e.args.refund]),
      [[1n, job.cost, job.maxPayment - job.cost]],
    )
    assert.equal((await store.get(1n))?.outcome, 'settled')
    // A job that does not exist is named as such (the coordinator reverts UnknownJob).
    await assert.rejects(getJob({ publicClient: chain.publicClient, coordinator, jobId: 99n }), {
      name: 'InferMeshProtocolError',
      message: `Job 99 does not exist on the JobCoordinator at ${coordinator}.`,
    })
  })
})
