import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .refine((value) => isAddress(value), { error: 'must be a 20-byte 0x address' })
  .transform((value) => getAddress(value) as Address)
const wei = z
  .union([z.string().regex(/^\d+$/, { error: 'must be a decimal string of MESH wei' }), z.bigint()])
  .transform((value) => BigInt(value))

/** The gateway's configuration file (JSON). Every section has defaults except the chain. */
export const gatewayConfigSchema = z.strictObject({
  chain: z.strictObject({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }),
    contracts: z.strictObject({
      token: address,
      registry: address,
      payments: address,
      models: address,
      /** Validators' uptime scores: providers below the floor are not routed to. */
      uptime: address.optional(),
      /** Samples are signed for this deployment's Disputes contract; no sampling without it. */
      disputes: address.optional(),
      emissions: address.optional(),
      verificationFees: address.optional(),
      /** ModelSharesFactory (issue 15): in the deployment; not used here. */
      modelSharesFactory: address.optional(),
      jobCoordinator: address.optional(),
      questionOracle: address.optional(),
    }),
  }),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8000),
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
    })
    .prefault({}),
  /**
   * Let the gateway call providers and validators at loopback, private and link-local addresses. Only
   * for a devnet, where everything runs on 127.0.0.1; on a real network such an endpoint in the
   * Registry is an attempt to reach the gateway's own network (SSRF), so it stays refused.
   */
  allowPrivatePeers: z.boolean().default(false),
  /** PGlite in `dir` (or in memory) by default; PostgreSQL when `url` is set (several gateways may share it). */
  database: z.strictObject({ url: z.string().optional(), dir: z.string().optional() }).prefault({}),
  routing: z
    .strictObject({
      defaultSort: z.enum(['balanced', 'price', 'latency', 'throughput']).default('balanced'),
      maxAttempts: z.number().int().min(1).max(10).default(3),
      deadlineMs: z.number().int().positive().default(120_000),
      firstByteTimeoutMs: z.number().int().positive().default(30_000),
      failuresToSuspend: z.number().int().positive().default(3),
      suspendMs: z.number().int().positive().default(30_000),
      /**
       * The context a request without max_tokens may fill, and the ceiling of any max_tokens, when
       * the gateway bounds what a request can cost: worst case = cost(prompt bound, min(max_tokens,
       * contextTokens)) at the offer. No receipt above it is accepted.
       */
      contextTokens: z.number().int().positive().default(32_768),
    })
    .prefault({}),
  discovery: z
    .strictObject({
      refreshMs: z.number().int().positive().default(15_000),
      probeMs: z.number().int().positive().default(5_000),
    })
    .prefault({}),
  payments: z
    .strictObject({
      /** Warn (log + metric) when the payer's deposit falls below this. Default 10 MESH. */
      lowDepositWei: wei.default(10n * 10n ** 18n),
      depositCheckMs: z.number().int().positive().default(30_000),
      /**
       * Allocation to a provider the payer tops up to (allocate, several providers per transaction)
       * when what is free of it falls below `allocationWatermarkWei`. Default 10 MESH.
       */
      allocationWei: wei.default(10n * 10n ** 18n),
      /** Top up a provider's allocation when less than this is free of it. Default 2 MESH. */
      allocationWatermarkWei: wei.default(2n * 10n ** 18n),
      /** The most abort allowance one channel may hold (voucher_stale catch-up). Default 1 MESH. */
      abortAllowanceCapWei: wei.default(10n ** 18n),
    })
    .prefault({}),
  /**
   * Proof of Sampling. Each completed chat or completions request goes to a random validator with
   * `probability`. Why 0.05 by default: cheating has negative expected value when p·(R+S) > C (C what
   * cheating saves, at most the job's pay R; S the slash, 10% of at least 1,000 MESH staked). With
   * R ≪ S any p above R/S (~1e-5 on the default network) deters a rational provider; 0.05 also catches a
   * provider that cheats on every request within 60 requests with 95% probability (1 − 0.95^60).
   */
  sampling: z
    .strictObject({
      probability: z.number().min(0).max(1).default(0.05),
      /**
       * What each sample pays its validator, in MESH wei: a voucher on the channel (payer, validator,
       * VERIFICATION_MODEL_ID), from the payer's own allocation to that validator (allocated like a
       * provider's). 0 sends samples unpaid (validators with a `minSampleFee` refuse them). Default 0.01 MESH.
       */
      sampleFee: wei.default(10n ** 16n),
      /**
       * A validator's weight in the draw of a sample is min(stake, sampleStakeCap), MESH wei. Default:
       * 10 × the Registry's minimum validator stake.
       */
      sampleStakeCap: wei.optional(),
    })
    .prefault({}),
})

export type GatewayConfig = z.output<typeof gatewayConfigSchema>
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
