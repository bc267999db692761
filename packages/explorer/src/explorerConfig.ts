import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .refine((value) => isAddress(value), { error: 'must be a 20-byte 0x address' })
  .transform((value) => getAddress(value) as Address)

/** The explorer's configuration file (JSON). Every section has defaults except the chain. */
export const explorerConfigSchema = z.strictObject({
  chain: z.strictObject({
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/ }),
    contracts: z.strictObject({
      token: address,
      registry: address,
      payments: address,
      models: address,
      /** The consensus contracts (issue 5); indexed when present. */
      uptime: address.optional(),
      disputes: address.optional(),
      emissions: address.optional(),
      verificationFees: address.optional(),
      modelSharesFactory: address.optional(),
      jobCoordinator: address.optional(),
      questionOracle: address.optional(),
    }),
    /** The block the contracts were deployed in: indexing starts there. */
    startBlock: z
      .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
      .transform((value) => BigInt(value))
      .default(0n),
  }),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  /**
   * Call providers (probes) and validators (polls) at loopback, private and link-local addresses. Only
   * for a devnet, where everything runs on 127.0.0.1 (`infermesh up` sets it): on a real network an
   * endpoint is whatever anyone wrote in the Registry, and such addresses reach the explorer's own
   * machine and network (SSRF), so they stay refused.
   */
  allowPrivatePeers: z.boolean().default(false),
  /** PGlite in `dir` (or in memory) by default; PostgreSQL when `url` is set. */
  database: z.strictObject({ url: z.string().optional(), dir: z.string().optional() }).prefault({}),
  indexer: z
    .strictObject({
      /**
       * Blocks a log must be under before it is indexed. 2 by default (real chains reorganize their
       * newest blocks); 0 is fine on a devnet, where reorgs are still detected and rewound.
       */
      confirmations: z.number().int().min(0).max(1000).default(2),
      /** How often to ask for new blocks. */
      pollMs: z.number().int().positive().default(2000),
      /** Blocks per eth_getLogs call. */
      batchBlocks: z.number().int().min(1).max(100_000).default(2000),
    })
    .prefault({}),
  probes: z
    .strictObject({
      /** How often each provider's public /health and /metrics are read (uptime, requests, tokens). */
      intervalMs: z.number().int().positive().default(5000),
      timeoutMs: z.number().int().positive().default(2000),
    })
    .prefault({}),
  validators: z
    .strictObject({
      /**
       * How often each registered validator's /infermesh/v1/reports and /infermesh/v1/reputation are
       * read (its re-executions of providers' answers).
       */
      intervalMs: z.number().int().positive().default(5000),
      timeoutMs: z.number().int().positive().default(2000),
      /** Reports asked for per poll (the validator answers at most 500). */
      reportsLimit: z.number().int().min(1).max(500).default(100),
    })
    .prefault({}),
})

export type ExplorerConfig = z.output<typeof explorerConfigSchema>
export type ExplorerConfigInput = z.input<typeof explorerConfigSchema>
