import { createDiscovery } from '@infermesh/client'
import { openDatabase } from '@infermesh/node/database'
import {
  createAllocationReader,
  createAllocator,
  createPayer,
  createSettler,
  createSqlChannelLedger,
  createSqlPayerLedger,
  type Settler,
} from '@infermesh/payments'
import { connect, paymentsAbi, signSample, uptimeAbi, VERIFICATION_MODEL_ID } from '@infermesh/protocol'
import pino, { type Logger } from 'pino'
import { type Address, createWalletClient, http, type LocalAccount } from 'viem'
import { createChainWriter } from './chain/createChainWriter.js'
import { registerValidator } from './chain/registerValidator.js'
import { createDisputeAgent } from './disputes/createDisputeAgent.js'
import { ValidatorError } from './errors.js'
import { createFeeClaimer } from './fees/createFeeClaimer.js'
import { createJobWatcher } from './jobs/createJobWatcher.js'
import { createProber } from './probe/createProber.js'
import { createReputation } from './samples/createReputation.js'
import { createSampleFeeGate } from './samples/createSampleFeeGate.js'
import { createSampleQueue } from './samples/createSampleQueue.js'
import { type CheckedSample, parseSample } from './samples/parseSample.js'
import type { SampleCheck } from './samples/sampleCheck.js'
import { createValidatorMetrics, createValidatorServer } from './server/createValidatorServer.js'
import { createUptimeReporter } from './uptime/createUptimeReporter.js'
import type { ValidatorConfig } from './validatorConfig.js'
import { createVerifier } from './verify/createVerifier.js'

export type StartValidatorOptions = {
  config: ValidatorConfig
  /** The validator's key: it stakes, reports uptime, pays probes, opens disputes and votes. */
  account: LocalAccount
  logger?: Logger
}

export type RunningValidator = {
  url: string
  address: Address
  reputation: ReturnType<typeof createReputation>
  /** Redeems the sample-fee vouchers payers sent (on its schedule, past the threshold, or `settleNow`). */
  settler: Settler
  /** Waits until every queued sample has been re-executed. */
  idle: () => Promise<void>
  close: () => Promise<void>
}

/**
 * Starts a validator: stakes and registers its endpoint, loads the models it can re-execute, probes every
 * provider (health + a tiny paid inference) and reports uptime each epoch, re-executes samples from
 * gateways (and its own paid probes), opens a dispute on a clear breach, sits on committees and votes.
 *
 * @example
 * const validator = await startValidator({ config, account })
 */
export async function startValidator(options: StartValidatorOptions): Promise<RunningValidator> {
  const { config, account } = options
  const log = options.logger ?? pino({ name: 'infermesh-validator' })
  const cleanups: (() => Promise<void>)[] = []
  const close = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e: Error) => log.warn({ msg: 'cleanup failed', err: e.message }))
    cleanups.length = 0
  }
  try {
    const { publicClient, chain } = await connect({ rpcUrl: config.chain.rpcUrl })
    const walletClient = createWalletClient({ account, chain, transport: http(config.chain.rpcUrl) })
    const contracts = config.chain.contracts
    const writer = createChainWriter({ publicClient, walletClient })
    const metrics = createValidatorMetrics()
    const reputation = createReputation()

    const verifier = await createVerifier({
      models: config.models,
      ...(config.verifier.threads && { threads: config.verifier.threads }),
      ...(config.verifier.batchSize && { batchSize: config.verifier.batchSize }),
      ...(config.verifier.contextSize && { contextSize: config.verifier.contextSize }),
    })
    cleanups.push(() => verifier.close())
    const knownModels = new Set(config.models.map((m) => m.modelId.toLowerCase()))

    // Re-execution, then what follows from it: reputation always, a dispute on a clear breach.
    const check: SampleCheck = async ({ receipt, kind, request, response, source }) => {
      const started = performance.now()
      const result = await verifier.verify({
        modelId: receipt.modelId,
        kind,
        request,
        responseText: response,
        inputTokens: Number(receipt.inputTokens),
        outputTokens: Number(receipt.outputTokens),
      })
      const outcome = {
        verdict: result.verdict,
        checkedTokens: result.checkedTokens,
        reasons: result.reasons,
        elapsedMs: performance.now() - started,
      }
      metrics.verdicts.inc({ source, verdict: outcome.verdict })
      return outcome
    }

    const database = await openDatabase({
      ...(config.database.url && { url: config.database.url }),
      ...(config.database.dir && { dataDir: config.database.dir }),
    })
    cleanups.push(() => database.close())
    const ledger = await createSqlPayerLedger(database)
    // Probes pay providers like a customer: what the validator owes each stays within what it allocated
    // to it on Payments, allocated lazily and topped up (1 MESH, below 0.2 MESH; probes cost far less).
    const allocator = createAllocator({
      publicClient,
      walletClient,
      payments: contracts.payments,
      ledger,
      target: 10n ** 18n,
      watermark: 2n * 10n ** 17n,
      log,
    })
    cleanups.push(() => allocator.idle())
    const payer = createPayer({ account, chainId: chain.id, payments: contracts.payments, ledger, allocator })

    // Sample fees: payers' vouchers on (payer, this validator, VERIFICATION_MODEL_ID), checked and kept
    // like a provider's (the payments package's gate and channel ledger), redeemed by its settler.
    const feeLedger = await createSqlChannelLedger(database)
    const availableAllocation = createAllocationReader({
      publicClient,
      payments: contracts.payments,
      provider: account.address,
      refreshMs: 5_000,
    })
    const fees = createSampleFeeGate({
      chainId: chain.id,
      payments: contracts.payments,
      validator: account.address,
      ledger: feeLedger,
      minSampleFee: config.samples.minSampleFee,
      availableAllocation,
      signatureClient: publicClient,
    })
    // Redemptions go through the writer's queue: one account, so its transactions never race for a nonce.
    const serialWallet = {
      ...walletClient,
      writeContract: ((args: Parameters<typeof walletClient.writeContract>[0]) =>
        writer.run(async () => {
          const hash = await walletClient.writeContract(args)
          await publicClient.waitForTransactionReceipt({ hash })
          return hash
        })) as typeof walletClient.writeContract,
    } as typeof walletClient
    const settler = createSettler({
      ledger: feeLedger,
      publicClient,
      walletClient: serialWallet,
      payments: contracts.payments,
      // A royalty scheduled on the verification id (anyone can register any id) is redeemed ahead of.
      models: { address: contracts.models, modelIds: [VERIFICATION_MODEL_ID] },
      batchSize: 50,
      intervalMs: config.samples.redeemIntervalMs,
      minAmount: 1n,
      log,
      onRedeemed: () => availableAllocation.invalidate(),
      onWithdrawRequested: (who) => availableAllocation.invalidate(who),
      onAllocationSpent: (who) => availableAllocation.invalidate(who),
    })
    cleanups.push(() => settler.stop())
    /** Redeems at once once a payer's unredeemed fees reach the threshold. */
    const redeemIfDue = async (who: Address) => {
      const channel = await feeLedger.get(who, VERIFICATION_MODEL_ID)
      if (channel.voucher - channel.redeemed < config.samples.redeemThreshold) return
      await settler
        .settleNow(config.samples.redeemThreshold)
        .catch((error: Error) =>
          log.warn({ msg: 'redeeming sample fees failed; will retry', err: error.message }),
        )
    }

    let agent: ReturnType<typeof createDisputeAgent> | undefined
    const judge = async (sample: CheckedSample, source: 'gateway' | 'probe' | 'job') => {
      const result = await check({
        receipt: sample.receipt,
        kind: sample.kind,
        request: sample.request,
        response: sample.response,
        source,
      })
      reputation.record({
        at: new Date().toISOString(),
        provider: sample.receipt.provider,
        modelId: sample.receipt.modelId,
        receiptDigest: sample.receiptDigest,
        source,
        verdict: result.verdict,
        checkedTokens: result.checkedTokens,
        reasons: result.reasons,
        elapsedMs: Math.round(result.elapsedMs),
      })
      if (result.verdict === 'breach') {
        log.warn({
          msg: 'clear breach: disputing',
          provider: sample.receipt.provider,
          reasons: result.reasons,
        })
        const id = await agent?.challenge(sample)
        if (id !== undefined) metrics.disputes.inc()
      } else if (result.verdict === 'drift') {
        log.info({
          msg: 'borderline drift (reputation only)',
          provider: sample.receipt.provider,
          reasons: result.reasons,
        })
      }
    }
    const queue = createSampleQueue<{ sample: CheckedSample; source: 'gateway' | 'probe' | 'job' }>({
      maxQueue: config.samples.maxQueue,
      run: async ({ sample, source }) => {
        metrics.queue.set(queue.waiting())
        await judge(sample, source).catch((error: Error) =>
          log.error({ msg: 're-execution failed', provider: sample.receipt.provider, err: error.message }),
        )
      },
    })
    cleanups.push(() => queue.idle())
    const seen = new Set<string>()
    /** Samples past every check but their fee's: their queue places are held for them. */
    let admitting = 0

    const acceptSample = async (body: unknown, voucher: string | undefined) => {
      const sample = await parseSample(body, {
        validator: account.address,
        chainId: chain.id,
        payments: contracts.payments,
        disputes: contracts.disputes,
        maxAgeSeconds: config.samples.maxAgeSeconds,
      })
      if (!knownModels.has(sample.receipt.modelId.toLowerCase())) {
        throw new ValidatorError(`This validator cannot re-execute model ${sample.receipt.modelId}.`, {
          status: 422,
          code: 'model_unavailable',
          retryable: false,
        })
      }
      if (seen.has(sample.receiptDigest)) {
        throw new ValidatorError('This receipt was already sampled.', {
          status: 409,
          code: 'duplicate_sample',
        })
      }
      if (queue.waiting() + admitting >= config.samples.maxQueue) {
        throw new ValidatorError(`This validator has ${queue.waiting()} samples waiting; try another one.`, {
          status: 429,
          code: 'queue_full',
          type: 'rate_limit_error',
          retryable: true,
        })
      }
      // Held while the fee is checked: the same receipt sent twice meanwhile is a duplicate, and a full
      // queue cannot refuse a sample whose voucher was already kept.
      seen.add(sample.receiptDigest)
      admitting++
      let fee: Awaited<ReturnType<typeof fees.take>>
      try {
        fee = await fees.take(voucher, sample.payer)
      } catch (error) {
        seen.delete(sample.receiptDigest)
        throw error
      } finally {
        admitting--
      }
      // Its place was held (a probe may have taken another meanwhile): never refused once its fee is kept.
      queue.add({ sample, source: 'gateway' }, true)
      metrics.queue.set(queue.waiting())
      if (fee && fee.paid > 0n) void redeemIfDue(fee.payer)
      return { id: sample.receiptDigest }
    }

    // Epoch clock as the contracts count it.
    const [genesis, epochLength] = await Promise.all([
      publicClient.readContract({ address: contracts.uptime, abi: uptimeAbi, functionName: 'genesis' }),
      publicClient.readContract({ address: contracts.uptime, abi: uptimeAbi, functionName: 'epochLength' }),
    ])
    // The epoch clock: this machine's clock, moved forward by however far the chain runs ahead of it
    // (a chain that mines many blocks a second, like anvil, advances each block's timestamp by at least
    // one second; a transaction lands in a block at least as late as the latest one).
    let chainAhead = 0n
    const readChainClock = async () => {
      const block = await publicClient.getBlock()
      const ahead = block.timestamp - BigInt(Math.floor(Date.now() / 1000))
      chainAhead = ahead > 0n ? ahead : 0n
    }
    await readChainClock()
    const epochAt = (ms: number) => {
      const seconds = BigInt(Math.floor(ms / 1000)) + chainAhead
      return seconds <= BigInt(genesis) ? 0n : (seconds - BigInt(genesis)) / BigInt(epochLength)
    }

    // Who to probe and at what prices; the validator routes nothing, so it keeps no routing stats.
    const discovery = createDiscovery({
      publicClient,
      registry: contracts.registry,
      models: contracts.models,
      allowPrivate: config.allowPrivatePeers,
      hotProbeMs: config.probe.intervalMs,
      probeTimeoutMs: config.probe.timeoutMs,
      refreshMs: Math.max(5_000, config.probe.intervalMs),
      log,
    })
    await discovery.start()
    cleanups.push(async () => discovery.stop())

    const deposit = await publicClient.readContract({
      address: contracts.payments,
      abi: paymentsAbi,
      functionName: 'balanceOf',
      args: [account.address],
    })
    if (deposit === 0n && config.probe.maxTokens > 0) {
      log.warn({
        msg: 'no deposit in Payments: probes check health only until the validator deposits (infermesh deposit)',
        validator: account.address,
      })
    }
    const prober = createProber({
      discovery,
      allowPrivate: config.allowPrivatePeers,
      chainId: chain.id,
      payments: contracts.payments,
      ...(deposit > 0n && config.probe.maxTokens > 0 && { payer }),
      epochAt,
      intervalMs: config.probe.intervalMs,
      timeoutMs: config.probe.timeoutMs,
      maxTokens: config.probe.maxTokens,
      log,
      onAnswer: (answer) => {
        if (!knownModels.has(answer.receipt.modelId.toLowerCase())) return
        // A probe is paid work like any customer's: re-execute it too. The validator paid for it, so it
        // signs the sample itself as the payer: that assigns it the challenge of a dispute about it.
        const issuedAt = Math.floor(Date.now() / 1000)
        void signSample({
          account,
          chainId: chain.id,
          disputes: contracts.disputes,
          receiptDigest: answer.receiptDigest,
          validator: account.address,
          issuedAt,
        })
          .then((signature) =>
            queue.add({
              sample: {
                receipt: answer.receipt,
                receiptSignature: answer.signature,
                receiptDigest: answer.receiptDigest,
                kind: answer.kind,
                request: answer.request,
                response: answer.response,
                payer: account.address,
                assignment: { issuedAt, signature },
              },
              source: 'probe',
            }),
          )
          .catch(() => {
            // queue full: probes are the first to give way
          })
      },
    })

    const app = createValidatorServer({
      logger: log,
      maxBodyBytes: config.server.maxBodyBytes,
      reputation,
      acceptSample,
      isReady: () => ready,
      metrics,
      status: async () => ({
        object: 'infermesh.validator',
        validator: account.address,
        epoch: epochAt(Date.now()).toString(),
        probes: prober.tallies(epochAt(Date.now())),
        queue: { waiting: queue.waiting(), done: queue.done() },
        sampleFees: await feeLedger.totals().then((t) => ({
          minSampleFee: config.samples.minSampleFee.toString(),
          vouchered: t.vouchers.toString(),
          redeemed: t.redeemed.toString(),
        })),
        disputes:
          agent?.open().map((d) => ({ id: d.id.toString(), provider: d.provider, members: d.members })) ?? [],
      }),
    })
    let ready = false
    await app.listen({ host: config.server.host, port: config.server.port })
    cleanups.push(async () => {
      ready = false
      await app.close()
    })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.server.port
    const url = `http://${config.server.host}:${port}`
    const endpoint = config.server.publicUrl ?? url

    const outcome = await registerValidator({
      publicClient,
      writer,
      contracts,
      endpoint,
      models: config.models.map((m) => m.modelId),
      ...(config.stake !== undefined && { stake: config.stake }),
    })
    log.info({
      msg: `validator ${outcome.registration}, models ${outcome.models}`,
      validator: account.address,
      endpoint,
      models: config.models.map((m) => m.modelId),
    })

    // Far enough back that a restarted validator finds the disputes, committees and vote points still open.
    const lookBack = await publicClient
      .getBlockNumber()
      .then((head) => (head > 20_000n ? head - 20_000n : 0n))
    agent = createDisputeAgent({
      publicClient,
      writer,
      account,
      chainId: chain.id,
      contracts: { disputes: contracts.disputes, token: contracts.token },
      check,
      // The chain's clock as the epoch clock reads it: commit and reveal phases end on it.
      now: () => BigInt(Math.floor(Date.now() / 1000)) + chainAhead,
      fromBlock: lookBack,
      log,
      onOpened: (digest, id) => reputation.linkDispute(digest, id),
    })
    const reporter = createUptimeReporter({
      publicClient,
      writer,
      contracts: { uptime: contracts.uptime, emissions: contracts.emissions, registry: contracts.registry },
      prober,
      epochAt,
      finalize: config.epochs.finalize,
      claimForOthers: config.epochs.claimForOthers,
      log,
    })
    // Committee-vote fees (VerificationFees): claimed for every ended epoch it earned points in.
    const claimer = contracts.verificationFees
      ? createFeeClaimer({
          publicClient,
          writer,
          verificationFees: contracts.verificationFees,
          fromBlock: lookBack,
          log,
        })
      : undefined
    // Delivered on-chain jobs: a share re-executed like samples, a breach disputed (unassigned: no sample signer).
    const jobWatcher =
      contracts.jobCoordinator && config.jobs.share > 0
        ? createJobWatcher({
            publicClient,
            coordinator: contracts.jobCoordinator,
            knownModels,
            share: config.jobs.share,
            lookBackBlocks: config.jobs.lookBackBlocks,
            enqueue: (sample) => queue.add({ sample, source: 'job' }),
            log,
          })
        : undefined
    let lastClaimTick = 0
    prober.start()
    cleanups.push(() => prober.stop())
    settler.start()
    const timer = setInterval(() => {
      void readChainClock()
        .catch(() => {})
        .then(() => reporter.tick())
      void agent?.tick()
      void jobWatcher?.tick()
      // Points are claimable only once their epoch ended: reading the fee events every 10 s is enough.
      if (claimer && Date.now() - lastClaimTick >= 10_000) {
        lastClaimTick = Date.now()
        void claimer.tick()
      }
    }, config.epochs.pollMs)
    timer.unref()
    cleanups.push(async () => clearInterval(timer))

    ready = true
    log.info({ msg: 'validator ready', url, validator: account.address, models: config.models.length })
    return { url, address: account.address, reputation, settler, idle: () => queue.idle(), close }
  } catch (error) {
    await close()
    throw error
  }
}
