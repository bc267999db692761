import type { Backend } from '@infermesh/llama'
import {
  computeCost,
  contractRevert,
  disputesAbi,
  gasWithHeadroom,
  getJob,
  hashResponse,
  hashTokenIds,
  jobCoordinatorAbi,
  meshTokenAbi,
  type NamedJob,
  type Receipt,
  readJobRequested,
  signReceipt,
} from '@infermesh/protocol'
import type { Logger } from 'pino'
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  isAddressEqual,
  type LocalAccount,
  type PublicClient,
  stringToHex,
  type Transport,
  type WalletClient,
  zeroHash,
} from 'viem'
import type { Limiter } from '../server/createLimiter.js'
import type { ServedModel } from '../server/ProviderServerOptions.js'
import { checkJob } from './checkJob.js'
import type { JobStore } from './createJobStore.js'

/** The `jobs` section of the provider's configuration (see `providerConfigSchema`). */
export type JobWorkerConfig = {
  enroll: boolean
  maxTokens: number
  pollMs: number
  triggerSubscriptions: boolean
  settle: boolean
  deliveryAttempts: number
  lookBackBlocks: number
}

export type JobWorkerOptions = {
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, Account>
  /** Signs receipts: the provider's key (the wallet's account). */
  account: LocalAccount
  chainId: number
  coordinator: Address
  /** Payments: the EIP-712 domain receipts are signed in. */
  payments: Address
  backend: Backend
  models: ServedModel[]
  limiter: Limiter
  store: JobStore
  config: JobWorkerConfig
  log: Logger
  /** Called with each delivery that landed (for metrics and tests). */
  onDelivered?: (delivery: { jobId: bigint; gasUsed: bigint; latencyMs: number }) => void
}

export type JobWorker = {
  start(): Promise<void>
  /** Runs one round now: reads new assignments, serves them, triggers rounds, settles. */
  tick(): Promise<void>
  /** Stops polling and waits for the job in hand. */
  stop(): Promise<void>
}

/** Reverts after which sending again cannot help: the job is not ours to deliver any more. */
const finalReverts = new Set([
  'WrongStatus',
  'NotAssignedProvider',
  'DeadlinePassed',
  'UnknownJob',
  'ReceiptMismatch',
  'BadReceiptSignature',
  'CostAboveMax',
  'OutputTooLarge',
])

/** The custom error name of a contract revert, if that is what `error` is. */
const revertName = (error: unknown) => contractRevert(error)?.name

/**
 * The provider's on-chain job worker (issue 15). Every `pollMs` it:
 * - enrolls in the JobCoordinator for the models it offers when `enroll` is on and it is not enrolled
 *   (posting the job bond the coordinator asks, approving MESH for it);
 * - reads `JobAssigned` events naming it (at start, from `lookBackBlocks` back, so jobs assigned while it
 *   was down are found) and serves each job still Assigned to it, one at a time: reads its input from the
 *   `JobRequested` event, checks it (`checkJob`) and declines it when it cannot serve it, else runs it with
 *   the same backend and deterministic sampler as `/v1/chat/completions` (taking a slot of the same
 *   limiter), signs the receipt (payer = the coordinator, cost from the prices stored on the job,
 *   cumulativeAmount = cost: a job is its own channel) and delivers it with bounded gas (the estimate
 *   with headroom, and at least what the callback must be given), retrying transient failures;
 * - triggers due subscription rounds for models it serves (`triggerSubscriptions`);
 * - settles its delivered jobs once their dispute window has passed (`settle`).
 *
 * Never delivers twice: the job's row in the store is written before the transaction is sent, and the
 * job's status on chain is read before every attempt.
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { publicClient, walletClient, account, coordinator, store, config, log } = options
  const me = account.address
  const models = new Map(options.models.map((m) => [m.modelId.toLowerCase(), m]))
  const modelIds = options.models.map((m) => m.modelId)
  const pending = new Set<bigint>()
  const subscriptions = new Set<bigint>()
  /** Undecided jobs of models this provider serves: it draws their provider and reassigns missed ones. */
  const open = new Set<bigint>()
  const warned = new Set<string>()
  let nextBlock: bigint | undefined
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = false
  let enrollCheckedAt = 0
  let enrolledOnce = false
  let disputeWindow: bigint | undefined

  const warnOnce = (key: string, fields: Record<string, unknown>) => {
    if (warned.has(key)) return
    warned.add(key)
    log.warn(fields)
  }
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName,
      args,
    } as never) as Promise<T>

  /** Sends a coordinator (or token) call with the estimate plus headroom, at least `minGas`; waits for it. */
  async function send(
    call: {
      address: Address
      abi: typeof jobCoordinatorAbi | typeof meshTokenAbi
      functionName: string
      args: readonly unknown[]
    },
    minGas = 0n,
    onSent?: (hash: Hex) => Promise<void>,
  ) {
    const estimate = await publicClient.estimateContractGas({ ...call, account } as never)
    const headroom = gasWithHeadroom(estimate)
    const gas = headroom > minGas ? headroom : minGas
    const hash = await walletClient.writeContract({ ...call, gas } as never)
    await onSent?.(hash)
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success')
      throw new Error(
        `${call.functionName} transaction ${hash} reverted (gas ${gas}, used ${receipt.gasUsed})`,
      )
    return receipt
  }

  async function ensureEnrolled() {
    if (!config.enroll || modelIds.length === 0) return
    // Checked every 30 s once enrolled (a missed deadline unenrolls), every 2 s until then (not yet registered).
    if (Date.now() - enrollCheckedAt < (enrolledOnce ? 30_000 : 2_000)) return
    enrollCheckedAt = Date.now()
    try {
      const enrolled = await read<readonly Hex[]>('enrolledModels', [me])
      const have = new Set(enrolled.map((id) => id.toLowerCase()))
      const [params, bond] = await Promise.all([
        read<{ jobBond: bigint }>('params'),
        read<bigint>('bondOf', [me]),
      ])
      const topUp = params.jobBond > bond ? params.jobBond - bond : 0n
      if (topUp === 0n && modelIds.every((id) => have.has(id.toLowerCase()))) {
        enrolledOnce = true
        return
      }
      if (topUp > 0n) {
        const token = await read<Address>('token')
        await send({ address: token, abi: meshTokenAbi, functionName: 'approve', args: [coordinator, topUp] })
      }
      await send({
        address: coordinator,
        abi: jobCoordinatorAbi,
        functionName: 'enroll',
        args: [modelIds, topUp],
      })
      enrolledOnce = true
      log.info({
        msg: 'enrolled for on-chain jobs',
        provider: me,
        models: modelIds,
        bond: (bond + topUp).toString(),
      })
    } catch (error) {
      // Not registered yet, no offer, no MESH for the bond: tried again in 30 s.
      warnOnce(`enroll:${revertName(error) ?? (error as Error).message}`, {
        msg: 'could not enroll for on-chain jobs; will retry',
        reason: revertName(error),
        err: (error as Error).message,
      })
    }
  }

  /** New JobAssigned events naming this provider, and subscriptions created, since the last read. */
  async function readEvents() {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    let from = nextBlock ?? (head > BigInt(config.lookBackBlocks) ? head - BigInt(config.lookBackBlocks) : 0n)
    while (from <= head) {
      const toBlock: bigint = from + 4_999n < head ? from + 4_999n : head
      const [assigned, created, requested] = await Promise.all([
        publicClient.getContractEvents({
          address: coordinator,
          abi: jobCoordinatorAbi,
          eventName: 'JobAssigned',
          args: { provider: me },
          fromBlock: from,
          toBlock,
          strict: true,
        }),
        config.triggerSubscriptions
          ? publicClient.getContractEvents({
              address: coordinator,
              abi: jobCoordinatorAbi,
              eventName: 'SubscriptionCreated',
              fromBlock: from,
              toBlock,
              strict: true,
            })
          : Promise.resolve([]),
        modelIds.length === 0
          ? Promise.resolve([])
          : publicClient.getContractEvents({
              address: coordinator,
              abi: jobCoordinatorAbi,
              eventName: 'JobRequested',
              args: { modelId: modelIds },
              fromBlock: from,
              toBlock,
              strict: true,
            }),
      ])
      for (const event of assigned) pending.add(event.args.jobId)
      for (const event of requested) open.add(event.args.jobId)
      for (const event of created) subscriptions.add(event.args.subscriptionId)
      from = toBlock + 1n
      nextBlock = from
    }
  }

  async function serve(jobId: bigint) {
    const record = await store.get(jobId)
    if (record && record.outcome !== 'sending') return
    const job = await getJob({ publicClient, coordinator, jobId })
    if (job.state !== 'assigned' || !isAddressEqual(job.provider, me)) {
      // Delivered by an earlier run whose last write was lost, or reassigned: nothing to do.
      if (record?.outcome === 'sending' && job.state !== 'assigned')
        await store.put({
          jobId,
          outcome: job.state === 'delivered' && isAddressEqual(job.provider, me) ? 'delivered' : 'failed',
          tx: null,
          servedAt: job.servedAt,
        })
      return
    }
    const requested = await readJobRequested({
      publicClient,
      coordinator,
      jobId,
      requestBlock: job.requestBlock,
    })
    const checked = checkJob(job, requested, { models, maxTokens: config.maxTokens })
    if (!checked.ok) return decline(job, checked.reason)

    const started = performance.now()
    const free = await options.limiter.acquire()
    let result: Awaited<ReturnType<Backend['generate']>>
    try {
      result = await options.backend.generate({
        model: checked.model.name,
        messages: checked.messages,
        maxTokens: checked.maxTokens,
        temperature: checked.temperature,
        seed: checked.seed,
      })
    } finally {
      free()
    }
    const output = stringToHex(result.text)
    const maxOutput = Math.min(64 * job.maxTokens, 32 * 1024)
    const inputBound = job.inputLength + 1024n
    if ((output.length - 2) / 2 > maxOutput)
      return decline(
        job,
        `the output has ${(output.length - 2) / 2} bytes, more than the ${maxOutput} a job allows`,
      )
    if (BigInt(result.inputTokens) > inputBound)
      return decline(
        job,
        `the prompt took ${result.inputTokens} tokens, more than the job's bound of ${inputBound}`,
      )
    const cost = computeCost({
      inputTokens: BigInt(result.inputTokens),
      outputTokens: BigInt(result.outputTokens),
      pricePerMInput: job.pricePerMInput,
      pricePerMOutput: job.pricePerMOutput,
    })
    if (cost > job.maxPayment)
      return decline(job, `the work costs ${cost}, more than the job's ${job.maxPayment}`)
    // servedAt: not before the assignment, not after the block the delivery lands in.
    const latest = await publicClient.getBlock()
    const now = BigInt(Math.floor(Date.now() / 1000))
    const capped = now < latest.timestamp ? now : latest.timestamp
    const servedAt = capped > job.assignedAt ? capped : job.assignedAt
    const receipt: Receipt = {
      requestHash: checked.requestHash,
      responseHash: hashResponse(result.text),
      tokensHash: result.tokenIds ? hashTokenIds(result.tokenIds) : zeroHash,
      modelId: job.modelId,
      payer: coordinator,
      provider: me,
      inputTokens: BigInt(result.inputTokens),
      outputTokens: BigInt(result.outputTokens),
      servedAt,
      cost,
      cumulativeAmount: cost,
    }
    const signature = await signReceipt({
      account,
      chainId: options.chainId,
      payments: options.payments,
      receipt,
    })
    await deliver(job, output, receipt, signature, started)
  }

  async function deliver(job: NamedJob, output: Hex, receipt: Receipt, signature: Hex, started: number) {
    const jobId = job.id
    // The callback must get its gas limit: the coordinator checks gasleft() >= limit * 64/63 + 20,000.
    const minGas = (BigInt(job.callbackGasLimit) * 64n) / 63n + 200_000n
    for (let attempt = 1; attempt <= config.deliveryAttempts; attempt++) {
      if (stopped) return
      try {
        if (attempt > 1) {
          const now = await getJob({ publicClient, coordinator, jobId })
          if (now.state !== 'assigned' || !isAddressEqual(now.provider, me)) {
            await store.put({
              jobId,
              outcome: now.state === 'delivered' && isAddressEqual(now.provider, me) ? 'delivered' : 'failed',
              tx: null,
              servedAt: now.servedAt,
            })
            return
          }
        }
        const tx = await send(
          {
            address: coordinator,
            abi: jobCoordinatorAbi,
            functionName: 'deliver',
            args: [jobId, output, receipt, signature],
          },
          minGas,
          (hash) => store.put({ jobId, outcome: 'sending', tx: hash, servedAt: receipt.servedAt }),
        )
        await store.put({ jobId, outcome: 'delivered', tx: tx.transactionHash, servedAt: receipt.servedAt })
        const latencyMs = performance.now() - started
        log.info({
          msg: 'job delivered',
          jobId: jobId.toString(),
          gasUsed: tx.gasUsed.toString(),
          latencyMs: Math.round(latencyMs),
        })
        options.onDelivered?.({ jobId, gasUsed: tx.gasUsed, latencyMs })
        return
      } catch (error) {
        const name = revertName(error)
        if (name && finalReverts.has(name)) {
          // An earlier transaction of this delivery may have landed meanwhile: the chain says which.
          const now = await getJob({ publicClient, coordinator, jobId }).catch(() => undefined)
          if (now?.state === 'delivered' && isAddressEqual(now.provider, me)) {
            await store.put({ jobId, outcome: 'delivered', tx: null, servedAt: now.servedAt })
            return
          }
          await store.put({ jobId, outcome: 'failed', tx: null, servedAt: null })
          log.error({
            msg: 'job delivery refused by the coordinator',
            jobId: jobId.toString(),
            reason: name,
            err: (error as Error).message,
          })
          return
        }
        log.warn({
          msg: 'job delivery failed; retrying',
          jobId: jobId.toString(),
          attempt,
          reason: name,
          err: (error as Error).message,
        })
        await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, 500 * 2 ** (attempt - 1))))
      }
    }
    // Left as `sending` (or unwritten): the next tick finds it still Assigned and tries again.
    log.error({ msg: 'job delivery failed after every attempt', jobId: jobId.toString() })
  }

  async function decline(job: NamedJob, reason: string) {
    log.warn({ msg: 'declining job', jobId: job.id.toString(), reason })
    try {
      const tx = await send({
        address: coordinator,
        abi: jobCoordinatorAbi,
        functionName: 'decline',
        args: [job.id],
      })
      await store.put({ jobId: job.id, outcome: 'declined', tx: tx.transactionHash, servedAt: null })
    } catch (error) {
      const name = revertName(error)
      if (name && finalReverts.has(name))
        await store.put({ jobId: job.id, outcome: 'declined', tx: null, servedAt: null })
      else throw error
    }
  }

  /**
   * The keeper's part, for jobs of the models it serves (anyone may do it; providers have a reason to): draws
   * a provider once the job's draw block is past, and reassigns a job whose provider missed its `respondBy`.
   * A call another provider made first reverts in its estimate and costs nothing.
   */
  async function keep() {
    if (open.size === 0) return
    const latest = await publicClient.getBlock()
    for (const jobId of [...open]) {
      if (stopped) return
      const job = await getJob({ publicClient, coordinator, jobId })
      if (job.state === 'assigned' && isAddressEqual(job.provider, me)) pending.add(jobId)
      let call: 'assign' | 'reassign' | undefined
      if (job.state === 'requested' && latest.number >= job.drawBlock) call = 'assign'
      else if (
        job.state === 'assigned' &&
        !isAddressEqual(job.provider, me) &&
        latest.timestamp > job.respondBy
      )
        call = 'reassign'
      else if (job.state !== 'requested' && job.state !== 'assigned') open.delete(jobId)
      if (!call) continue
      try {
        await send({
          address: coordinator,
          abi: jobCoordinatorAbi,
          functionName: call,
          args: [jobId],
        })
        log.info({ msg: `job ${call === 'assign' ? 'drawn' : 'reassigned'}`, jobId: jobId.toString() })
        // Drawn for this provider: served in this round, not after the next read of the events.
        const now = await getJob({ publicClient, coordinator, jobId })
        if (now.state === 'assigned' && isAddressEqual(now.provider, me)) pending.add(jobId)
      } catch (error) {
        log.debug({ msg: `${call} refused`, jobId: jobId.toString(), reason: revertName(error) })
      }
    }
  }

  async function triggerDue() {
    if (!config.triggerSubscriptions || subscriptions.size === 0) return
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    for (const id of [...subscriptions]) {
      const sub = await read<{ remaining: number; nextBlock: bigint; template_: { modelId: Hex } }>(
        'getSubscription',
        [id],
      )
      if (sub.remaining === 0) {
        subscriptions.delete(id)
        continue
      }
      if (!models.has(sub.template_.modelId.toLowerCase()) || head + 1n < sub.nextBlock) continue
      try {
        await send({
          address: coordinator,
          abi: jobCoordinatorAbi,
          functionName: 'trigger',
          args: [id],
        })
        log.info({ msg: 'subscription round triggered', subscriptionId: id.toString() })
      } catch (error) {
        // Another provider triggered it first (NotDue), or it was cancelled: nothing lost.
        log.debug({ msg: 'trigger refused', subscriptionId: id.toString(), reason: revertName(error) })
      }
    }
  }

  async function settleDue() {
    if (!config.settle) return
    const rows = await store.unsettled()
    if (rows.length === 0) return
    if (disputeWindow === undefined) {
      const disputes = await read<Address>('disputes')
      const params = (await publicClient.readContract({
        address: disputes,
        abi: disputesAbi,
        functionName: 'params',
      })) as {
        disputeWindow: bigint | number
      }
      disputeWindow = BigInt(params.disputeWindow)
    }
    const { timestamp } = await publicClient.getBlock()
    for (const row of rows) {
      if (row.servedAt === null || timestamp <= row.servedAt + disputeWindow) continue
      try {
        const tx = await send({
          address: coordinator,
          abi: jobCoordinatorAbi,
          functionName: 'settle',
          args: [row.jobId],
        })
        await store.put({ ...row, outcome: 'settled', tx: tx.transactionHash })
        log.info({ msg: 'job settled', jobId: row.jobId.toString() })
      } catch (error) {
        const name = revertName(error)
        // Settled by someone else (anyone may), or refunded after a guilty verdict.
        if (name === 'WrongStatus') await store.put({ ...row, outcome: 'settled', tx: null })
        else if (name !== 'DisputePending' && name !== 'DisputeWindowOpen')
          warnOnce(`settle:${row.jobId}:${name}`, {
            msg: 'settling a job failed; will retry',
            jobId: row.jobId.toString(),
            reason: name,
            err: (error as Error).message,
          })
      }
    }
  }

  async function round() {
    await ensureEnrolled()
    await readEvents()
    await keep()
    for (const jobId of [...pending].sort((a, b) => (a < b ? -1 : 1))) {
      if (stopped) return
      try {
        await serve(jobId)
        pending.delete(jobId)
      } catch (error) {
        // A read or the backend failed: the job stays pending and is tried again next tick.
        warnOnce(`serve:${jobId}:${(error as Error).message}`, {
          msg: 'serving a job failed; will retry',
          jobId: jobId.toString(),
          err: (error as Error).message,
        })
      }
    }
    await triggerDue()
    await settleDue()
  }

  const tick = () =>
    (running ??= round()
      .catch((error: Error) =>
        warnOnce(`tick:${error.message}`, { msg: 'job worker round failed', err: error.message }),
      )
      .finally(() => {
        running = undefined
      }))

  return {
    async start() {
      await tick()
      const loop = () => {
        if (stopped) return
        timer = setTimeout(() => void tick().then(loop), config.pollMs)
      }
      loop()
    },
    tick,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
