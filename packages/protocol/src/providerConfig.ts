import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .refine((value) => isAddress(value), {
    error: 'must be a 20-byte address (0x + 40 hex digits, with a valid EIP-55 checksum when mixed-case)',
  })
  .transform((value) => getAddress(value) as Address)

const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be 32 bytes of hex (0x + 64 hex digits)' })
  .transform((value) => value.toLowerCase() as Hex)

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })

const positiveInt = z.number().int().positive()

/** An amount of MESH wei: a decimal string in the file (JSON numbers lose precision), or a bigint. */
const meshWei = (max: bigint, bits: number) =>
  z
    .preprocess(
      (value) => (typeof value === 'bigint' && value >= 0n ? value.toString() : value),
      z
        .string({ error: 'must be a decimal string of MESH wei, e.g. "1000000000000000000" for 1 MESH' })
        .regex(/^(0|[1-9][0-9]*)$/, {
          error: 'must be a decimal string of MESH wei, e.g. "1000000000000000000" for 1 MESH',
        }),
    )
    .transform((value) => BigInt(value))
    .refine((value) => value <= max, { error: `must be at most 2^${bits} - 1` })

const uint16 = z.number().int().nonnegative().max(65_535)
const uint32 = z.number().int().nonnegative().max(4_294_967_295)

const chainSchema = z.strictObject({
  /** JSON-RPC URL of the chain the contracts live on (http(s) or ws(s)). */
  rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: 'must be an http(s):// or ws(s):// URL' }),
  /**
   * Expected chain id. Read from the RPC when absent; when set, the provider refuses to start against an
   * RPC that reports another chain (it would sign receipts for the wrong domain).
   */
  chainId: positiveInt.optional(),
  /** Addresses of the deployed contracts (as in `.infermesh/devnet.json` or a deployment file). */
  contracts: z.strictObject({
    /** MeshToken: stake and payments are in it. */
    token: address,
    /** Registry: stake, endpoint, hardware and offers. */
    registry: address,
    /** Payments: deposits, vouchers, redemption; its EIP-712 domain signs vouchers and receipts. */
    payments: address,
    /** ModelRegistry: model ids, owners, royalties. */
    models: address,
    /** Uptime: validators' per-epoch scores (issue 5); optional so older deployment files still load. */
    uptime: address.optional(),
    /** Disputes: receipts challenged before a committee (issue 5). */
    disputes: address.optional(),
    /** Emissions: per-epoch rewards for uptime and paid work (issue 5). */
    emissions: address.optional(),
    /** VerificationFees: pays validators' committee votes (issue 12). */
    verificationFees: address.optional(),
    /** JobCoordinator: on-chain jobs with a callback (issue 15); the job worker runs when it is set. */
    jobCoordinator: address.optional(),
    /** The example consumer of on-chain jobs (not used by the provider; deployment files carry it). */
    questionOracle: address.optional(),
    /** ModelSharesFactory (not used by the provider; deployment files carry it). */
    modelSharesFactory: address.optional(),
  }),
})

const keystoreSchema = z.union(
  [
    z.strictObject({
      /**
       * Path of an encrypted JSON keystore (Web3 Secret Storage) holding the provider's key. The password
       * is supplied at start-up, never in this file.
       */
      path: z.string().min(1),
    }),
    z.strictObject({
      /** The provider's private key in clear. Development only (devnet dev keys); never on a real chain. */
      privateKey: z
        .string()
        .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be 32 bytes of hex (0x + 64 hex digits)' })
        .transform((value) => value as Hex),
    }),
  ],
  { error: 'must be { "path": "<keystore file>" } or, for development only, { "privateKey": "0x…" }' },
)

const serverSchema = z.strictObject({
  /** Interface to listen on. Default `127.0.0.1`; `0.0.0.0` to accept connections from other hosts. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port. Default 8080; 0 picks a free port. */
  port: uint16.default(8080),
  /** Largest request body accepted; larger bodies get 413 `body_too_large`. Default 1 MiB. */
  maxBodyBytes: positiveInt.default(1024 * 1024),
  /** Requests waiting for the backend beyond those running; more get 429 `queue_full`. Default 64. */
  maxQueue: z.number().int().nonnegative().default(64),
  /** Longest a request may take from arrival to its last byte, queueing included. Default 5 minutes. */
  requestTimeoutMs: positiveInt.default(300_000),
})

const llamaModelSchema = z.strictObject({
  /** The name clients put in `model`; offers refer to it. */
  name: z.string().min(1),
  /** Path of the GGUF weights file. */
  path: z.string().min(1),
  /** On-chain model id. Default: sha256 of the weights file. Set it to serve a registered name's id. */
  modelId: bytes32.optional(),
  /** Context size in tokens. Default: the model's trained context length, as far as memory allows. */
  contextLength: positiveInt.optional(),
  /** Serve `/v1/embeddings` with this model. Default false. */
  embeddings: z.boolean().default(false),
})

const llamaBackendSchema = z.strictObject({
  /** Built-in llama.cpp (node-llama-cpp) running GGUF models in this process. */
  kind: z.literal('llama'),
  models: z.array(llamaModelSchema).min(1),
  /** CPU threads for inference. Default: what node-llama-cpp picks for this machine. */
  threads: positiveInt.optional(),
  /** Sequences (parallel requests) per model context. Default 4. */
  sequences: positiveInt.max(256).default(4),
  /** Offload to the GPU when one is usable. Default false (CPU only). */
  gpu: z.boolean().default(false),
})

const upstreamModelSchema = z.strictObject({
  /** The name clients put in `model`, and the name sent upstream; offers refer to it. */
  name: z.string().min(1),
  /** On-chain model id: sha256 of the weights file the upstream serves, or a registered name's id. */
  modelId: bytes32,
  /** Largest prompt + completion the upstream takes, in tokens. Default 4096. */
  contextLength: positiveInt.default(4096),
  /** Serve `/v1/embeddings` with this model. Default false. */
  embeddings: z.boolean().default(false),
})

const upstreamBackendSchema = z.strictObject({
  /** Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, …) the provider fronts and bills. */
  kind: z.literal('openai-compatible'),
  /** Base URL including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: httpUrl,
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey: z.string().min(1).optional(),
  models: z.array(upstreamModelSchema).min(1),
})

const offerSchema = z.strictObject({
  /** Name of a backend model. */
  model: z.string().min(1),
  /** MESH wei per 1,000,000 input tokens (uint128 on-chain). */
  pricePerMInput: meshWei(2n ** 128n - 1n, 128),
  /** MESH wei per 1,000,000 output tokens (uint128 on-chain). */
  pricePerMOutput: meshWei(2n ** 128n - 1n, 128),
})

const paymentsSchema = z.strictObject({
  /**
   * Most unpaid work (owed minus the payer's last voucher) the provider carries per payer, in MESH wei;
   * beyond it requests get 402 `credit_limit_exceeded`. This is the provider's whole risk. Default 1 MESH.
   */
  creditLimit: meshWei(2n ** 256n - 1n, 256).default(10n ** 18n),
  /** How long a payer's on-chain deposit is trusted before it is read again. Default 10 s. */
  depositRefreshMs: positiveInt.default(10_000),
  /** How often the provider redeems its highest vouchers on-chain. Default 60 s. */
  settleIntervalMs: positiveInt.default(60_000),
  /** Most vouchers per `redeemBatch` transaction. Default 50. */
  settleBatchSize: positiveInt.max(1000).default(50),
  /**
   * A channel is redeemed once its unredeemed amount reaches this (gas is not worth less), and always
   * before the payer's withdrawal unlocks. Default 0: redeem everything each interval.
   */
  minRedeemAmount: meshWei(2n ** 256n - 1n, 256).default(0n),
})

const databaseSchema = z.strictObject({
  /** PostgreSQL URL (`postgres://…`). When absent the provider keeps its state in embedded PGlite. */
  url: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  /** Directory of the embedded PGlite database when `url` is absent. Default: the provider's data dir. */
  dir: z.string().min(1).optional(),
})

const jobsSchema = z.strictObject({
  /** Serve on-chain jobs when `chain.contracts.jobCoordinator` is set. Default true. */
  enabled: z.boolean().default(true),
  /**
   * Enroll in the JobCoordinator for every offered chat model at start (and again after a missed deadline
   * unenrolled it), posting the job bond it asks for from the provider's MESH. Default false (`infermesh up`
   * turns it on): enrolling commits the provider to deliver on time or lose part of the bond.
   */
  enroll: z.boolean().default(false),
  /** Most output tokens the provider takes for a job; a job asking more is declined. Default 1024. */
  maxTokens: positiveInt.default(1024),
  /** How often the chain is read for new assignments, due subscription rounds and settlements. Default 1 s. */
  pollMs: positiveInt.default(1_000),
  /** Trigger due subscription rounds of models it serves (anyone may). Default true. */
  triggerSubscriptions: z.boolean().default(true),
  /** Settle its delivered jobs once their dispute window has passed. Default true. */
  settle: z.boolean().default(true),
  /** Attempts of a delivery whose transaction failed for a transient reason. Default 5. */
  deliveryAttempts: positiveInt.max(100).default(5),
  /** Blocks read back at start for jobs assigned while the provider was down. Default 20,000. */
  lookBackBlocks: positiveInt.default(20_000),
})

const registrationSchema = z.strictObject({
  /** Public base URL gateways call (what the Registry publishes), e.g. `https://gpu1.example.com`. */
  endpoint: httpUrl,
  /** Where the machine is, e.g. `eu-west`; gateways route by it. */
  region: z.string().min(1).max(64),
  /** What the machine has, as published on-chain (uint16/uint32 fields). */
  hardware: z.strictObject({
    /** GPU model, e.g. `RTX 4090`; empty for CPU-only machines. Default empty. */
    gpuModel: z.string().max(64, { error: 'must be at most 64 characters, the Registry limit' }).default(''),
    /** Number of GPUs. Default 0. */
    gpuCount: uint16.default(0),
    /** Total GPU memory in MiB. Default 0. */
    vramMb: uint32.default(0),
    /** CPU cores. */
    cpuCores: uint16.min(1),
    /** System memory in MiB. */
    ramMb: uint32.min(1),
  }),
})

/**
 * The provider's JSON configuration file. Defaults fill everything a single-machine provider can leave
 * out; amounts of MESH are decimal strings of wei (they become bigints). Offers must name backend models,
 * and model names must be unique.
 *
 * @example
 * const config = providerConfigSchema.parse(JSON.parse(await readFile('provider.json', 'utf8')))
 * config.server.port // 8080 unless the file says otherwise
 */
export const providerConfigSchema = z
  .strictObject({
    /** Which chain and contracts the provider works with. */
    chain: chainSchema,
    /** Where the provider's signing key (its on-chain identity) comes from. */
    keystore: keystoreSchema,
    /** The OpenAI-compatible HTTP server. */
    server: serverSchema.prefault({}),
    /** Where inference runs. */
    backend: z.discriminatedUnion('kind', [llamaBackendSchema, upstreamBackendSchema], {
      error: 'must be "llama" or "openai-compatible"',
    }),
    /** Prices per model, published on-chain at registration. At least one. */
    offers: z.array(offerSchema).min(1),
    /** Credit given to payers and on-chain settlement. */
    payments: paymentsSchema.prefault({}),
    /** Where receipts, vouchers and settlement state are kept. */
    database: databaseSchema.prefault({}),
    /** What the provider publishes in the Registry. */
    registration: registrationSchema,
    /** On-chain jobs (JobCoordinator): assignment, delivery, subscription rounds, settlement. */
    jobs: jobsSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>()
    config.backend.models.forEach((model, index) => {
      if (names.has(model.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['backend', 'models', index, 'name'],
          message: `"${model.name}" names two models`,
        })
      }
      names.add(model.name)
    })
    const offered = new Set<string>()
    config.offers.forEach((offer, index) => {
      if (!names.has(offer.model)) {
        ctx.addIssue({
          code: 'custom',
          path: ['offers', index, 'model'],
          message: `"${offer.model}" is not a backend model (${[...names].join(', ')})`,
        })
      }
      if (offered.has(offer.model)) {
        ctx.addIssue({
          code: 'custom',
          path: ['offers', index, 'model'],
          message: `"${offer.model}" has two offers`,
        })
      }
      offered.add(offer.model)
    })
  })

/** A validated provider configuration, defaults applied and amounts as bigints. */
export type ProviderConfig = z.output<typeof providerConfigSchema>
/** What a provider configuration file may contain (before defaults). */
export type ProviderConfigInput = z.input<typeof providerConfigSchema>
