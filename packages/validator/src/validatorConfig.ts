import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .refine((value) => isAddress(value), { error: 'must be a 20-byte 0x address' })
  .transform((value) => getAddress(value) as Address)
const wei = z
  .union([z.string().regex(/^\d+$/, { error: 'must be a decimal string of MESH wei' }), z.bigint()])
  .transform((value) => BigInt(value))
const modelId = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be a 0x-prefixed 32-byte model id' })
  .transform((value) => value.toLowerCase() as Hex)

/** The validator's configuration file (JSON). Every section has defaults except the chain. */
export const validatorConfigSchema = z.strictObject({
  chain: z.strictObject({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }),
    contracts: z.strictObject({
      token: address,
      models: address,
      registry: address,
      payments: address,
      uptime: address,
      disputes: address,
      emissions: address,
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
      port: z.number().int().min(0).max(65535).default(7000),
      /** The URL registered on-chain, where gateways send samples. Default `http://host:port`. */
      publicUrl: z.url().optional(),
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
    })
    .prefault({}),
  /**
   * Call providers at loopback, private and link-local addresses (probes and paid probes). Only for a
   * devnet, where everything runs on 127.0.0.1: on a real network an endpoint is whatever anyone wrote
   * in the Registry, and such addresses reach the validator's own machine and network.
   */
  allowPrivatePeers: z.boolean().default(false),
  /**
   * PGlite in `dir` (or in memory) by default; PostgreSQL when `url` is set. Holds the payer ledger (the
   * probes' channels) and the sample-fee vouchers payers sent (until redeemed).
   */
  database: z.strictObject({ url: z.string().optional(), dir: z.string().optional() }).prefault({}),
  /** Stake to hold, in MESH wei. Default: the Registry's minimum validator stake. */
  stake: wei.optional(),
  /** GGUF files the validator can re-execute, by on-chain model id. Samples for other models are refused. */
  models: z.array(z.strictObject({ modelId, path: z.string().min(1) })).default([]),
  verifier: z
    .strictObject({
      threads: z.number().int().positive().optional(),
      batchSize: z.number().int().positive().optional(),
      contextSize: z.number().int().positive().optional(),
    })
    .prefault({}),
  probe: z
    .strictObject({
      /** Each provider is probed this often (health + a tiny paid inference). */
      intervalMs: z.number().int().positive().default(15_000),
      timeoutMs: z.number().int().positive().default(10_000),
      /** Tokens the paid probe asks for. 0 probes health only. */
      maxTokens: z.number().int().min(0).max(64).default(4),
    })
    .prefault({}),
  samples: z
    .strictObject({
      /** Samples waiting for re-execution; more are refused with 429. */
      maxQueue: z.number().int().positive().default(256),
      /** Oldest `issuedAt` accepted, seconds (replay window). */
      maxAgeSeconds: z.number().int().positive().default(600),
      /**
       * The least fee a sample must pay, MESH wei: a voucher from the receipt's payer on the channel
       * (payer, this validator, VERIFICATION_MODEL_ID) adding at least this much; samples without are
       * refused with 402 `sample_fee_required`. 0 (the default) takes unpaid samples too, and still
       * checks and keeps a voucher sent with one.
       */
      minSampleFee: wei.default(0n),
      /** Redeem a payer's sample fees as soon as this much is unredeemed on its channel. Default 1 MESH. */
      redeemThreshold: wei.default(10n ** 18n),
      /** Redeem every channel with anything unredeemed this often (fees below the threshold). Default 15 min. */
      redeemIntervalMs: z.number().int().positive().default(900_000),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      /**
       * Share of delivered on-chain jobs (of models the validator holds) re-executed, 0 to 1; a clear breach
       * is disputed like a sample's. Default 0.1; `infermesh up` checks every one.
       */
      share: z.number().min(0).max(1).default(0.1),
      /** Blocks read back for deliveries at start. Default 20,000. */
      lookBackBlocks: z.number().int().positive().default(20_000),
    })
    .prefault({}),
  epochs: z
    .strictObject({
      /** How often the epoch clock, disputes and committees are checked. */
      pollMs: z.number().int().positive().default(2_000),
      /** Finalize ended epochs in the Uptime contract (anyone may; somebody must). */
      finalize: z.boolean().default(true),
      /** Also claim the emissions of providers and other validators (pays their gas). */
      claimForOthers: z.boolean().default(false),
    })
    .prefault({}),
})

export type ValidatorConfig = z.output<typeof validatorConfigSchema>
export type ValidatorConfigInput = z.input<typeof validatorConfigSchema>
