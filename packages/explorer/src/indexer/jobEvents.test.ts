import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import {
  type DevChain,
  disputesAbi,
  getJob,
  hashResponse,
  jobCoordinatorAbi,
  meshTokenAbi,
  modelRegistryAbi,
  type Receipt,
  registryAbi,
  requestJob,
  signReceipt,
  startDevChain,
} from '@infermesh/protocol'
import { createWalletClient, type Hex, http, parseEther, stringToHex, zeroAddress, zeroHash } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { readJobs } from '../queries/readJobs.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const quiet = { info: () => {}, warn: () => {} }
const modelId = `0x${'7c'.repeat(32)}` as Hex

describe('the indexer on JobCoordinator events (real anvil, PGlite)', () => {
  let chain: DevChain
  before(async () => {
    chain = await startDevChain()
  })
  after(async () => {
    await chain?.stop()
  })

  it('follows a job from its request to its draw, delivery (output, receipt, callback) and payment', async () => {
    const {
      models,
      registry,
      token,
      jobCoordinator: coordinator,
      payments,
      disputes,
    } = chain.deployment.contracts
    const [author, requester, provider] = [chain.account(3), chain.account(1), chain.account(2)]
    const rpc = (method: string, params: unknown[]) => chain.publicClient.request({ method, params } as never)
    await chain.send(author, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'jobs-model', '', 0, zeroAddress],
    })
    // The provider stakes, offers the model and enrolls with the job bond.
    await chain.fund(provider.address, parseEther('1500'))
    await chain.stake(provider, parseEther('1500'))
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://provider.test',
        'eu-west',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 4, ramMb: 8192 },
        [{ modelId, pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('2') }],
      ],
    })
    const { jobBond } = (await chain.publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'params',
    })) as { jobBond: bigint }
    await chain.fund(provider.address, jobBond)
    await chain.send(provider, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [coordinator, jobBond],
    })
    await chain.send(provider, {
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'enroll',
      args: [[modelId], jobBond],
    })

    await chain.fund(requester.address, parseEther('1'))
    const walletClient = createWalletClient({
      account: requester,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    })
    const maxPayment = parseEther('0.1')
    const { jobId } = await requestJob({
      publicClient: chain.publicClient,
      walletClient,
      coordinator,
      token,
      modelId,
      messages: [{ role: 'user', content: 'Say "ok".' }],
      maxTokens: 4,
      maxPayment,
    })
    await rpc('evm_mine', [])
    await rpc('evm_mine', [])
    await chain.send(requester, {
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'assign',
      args: [jobId],
    })
    const job = await getJob({ publicClient: chain.publicClient, coordinator, jobId })
    assert.equal(job.state, 'assigned')

    // The provider's delivery: a receipt for this job's request, signed as the Payments domain says.
    const output = 'ok, with a NUL \u0000 inside'
    const receipt: Receipt = {
      requestHash: job.requestHash,
      responseHash: hashResponse(output),
      tokensHash: zeroHash,
      modelId,
      payer: coordinator,
      provider: provider.address,
      inputTokens: 12n,
      outputTokens: 3n,
      servedAt: job.assignedAt,
      cost: (12n * parseEther('1') + 3n * parseEther('2') + 999_999n) / 1_000_000n,
      cumulativeAmount: 0n,
    }
    receipt.cumulativeAmount = receipt.cost
    const signature = await signReceipt({
      account: provider,
      chainId: chain.deployment.chainId,
      payments,
      receipt,
    })
    await chain.send(provider, {
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'deliver',
      args: [jobId, stringToHex(output), receipt, signature],
    })

    const db = await openDatabase()
    try {
      await migrateExplorerDatabase(db)
      const indexer = createIndexer({
        db,
        publicClient: chain.publicClient,
        contracts: createEventHandlers(chain.deployment.contracts),
        startBlock: chain.deployment.startBlock,
        confirmations: 0,
        batchBlocks: 100,
        pollMs: 50,
        log: quiet,
      })
      await indexer.syncOnce()
      let [row] = await readJobs(db, { id: jobId })
      assert.ok(row)
      assert.equal(row.status, 'delivered')
      assert.equal(row.requester, requester.address.toLowerCase())
      assert.equal(row.provider, provider.address.toLowerCase())
      assert.equal(row.input, '[{"content":"Say \\"ok\\".","role":"user"}]')
      // Stored storable: the NUL became U+FFFD.
      assert.equal(row.output, 'ok, with a NUL \uFFFD inside')
      assert.equal(row.cost, receipt.cost.toString())
      assert.equal(row.attempts, 1)
      assert.equal(row.callback_success, null) // an account has no code: no callback
      assert.equal(row.dispute, null)
      assert.equal((await readJobs(db, { provider: provider.address, status: 'delivered' })).length, 1)
      assert.equal((await readJobs(db, { requester: provider.address })).length, 0)

      // Past the dispute window anyone settles: the provider is paid, the rest refunded.
      const { disputeWindow } = (await chain.publicClient.readContract({
        address: disputes,
        abi: disputesAbi,
        functionName: 'params',
      })) as { disputeWindow: bigint }
      await rpc('evm_increaseTime', [Number(disputeWindow) + 1])
      await chain.send(requester, {
        address: coordinator,
        abi: jobCoordinatorAbi,
        functionName: 'settle',
        args: [jobId],
      })
      await indexer.syncOnce()
      await indexer.stop()
      ;[row] = await readJobs(db, { id: jobId })
      assert.equal(row?.status, 'settled')
      assert.equal(row?.refund, (maxPayment - receipt.cost).toString())
      assert.ok(row?.closed_at)
      // The payment (Payments.payFor) counts in the provider's earnings like a redemption, to the wei.
      const [earned] = await db.query<{ amount: string; burned: string; earned: string }>(
        'select amount::text, burned::text, earned::text from earnings where lower(provider) = lower($1)',
        [provider.address],
      )
      const burned = (receipt.cost * 500n + 9_999n) / 10_000n // the default burn, rounded up; no royalty
      assert.deepEqual(earned, {
        amount: receipt.cost.toString(),
        burned: burned.toString(),
        earned: (receipt.cost - burned).toString(),
      })
    } finally {
      await db.close()
    }
  })
})
