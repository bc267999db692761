import { type DeployParams, defaultDeployParams } from '@infermesh/protocol'
import { defaultTolerances, type VerifyTolerances } from '@infermesh/validator/verify/tolerances'
import type { CheatName } from '../verify/cheats.js'

/** How a rational cheater picks the requests it cheats on. */
export type TargetingRule = 'always' | 'sampledOnly' | 'longOnly' | 'lazyGatewayOnly' | 'notProbe'
export const targetingRules: readonly TargetingRule[] = [
  'always',
  'sampledOnly',
  'longOnly',
  'lazyGatewayOnly',
  'notProbe',
]

/** Every knob of one simulation. Amounts in MESH wei unless named otherwise. */
export type SimParams = {
  seed: number
  epochs: number
  providers: number
  /** Customer requests in the first epoch (demand then follows price and quality). */
  requestsPerEpoch: number
  /** The contracts' parameters (slash, bond, committee, stake minimum, burn and emission split…). */
  deploy: DeployParams
  /** The verifier's tolerances. */
  tolerances: VerifyTolerances
  /** Whether validators re-execute embeddings (not implemented today: false). */
  embeddingsCheck: boolean
  /** Gateway sampling probability p (the gateway's default 0.05) and the fee per sample (0.01 MESH). */
  p: number
  sampleFee: bigint
  /** Share of each provider's traffic that is validators' probes (paid inference that looks like a customer's), always checked. */
  probeShare: number
  /** How often a probe-detecting cheater recognizes a probe. */
  probeRecognition: number
  /** Agent mix of providers (the rest are honest). */
  mix: {
    cheaters: number
    hitAndRun: number
    shamDisputers: number
    nicheCheaters: number
    sybilFarmers: number
    selfDealers: number
  }
  /** Identities a sybil farmer splits its stake into. */
  sybilIdentities: number
  /** Providers' stake as multiples of minStake (drawn uniformly between). */
  stakeMultiple: [number, number]
  /** Traffic share of honest, lazy (p = 0) and colluding gateways. */
  gateways: { honest: number; lazy: number; colluding: number }
  /** Validators: count, and shares that are lazy (never re-execute, never reveal), sybils of cheaters, colluding. */
  validators: { count: number; lazy: number; sybil: number; colluding: number }
  /** Share of validators that hold each regular model; niche models are held by `nicheHolders` validators. */
  modelCoverage: number
  nicheHolders: number
  models: number
  /** Customers: mix of decoding modes (greedy, T=0.7, T=1) and answer lengths, price and quality elasticity. */
  modeMix: [number, number, number]
  lengths: readonly number[]
  embeddingsShare: number
  priceElasticity: number
  qualityElasticity: number
  /** Provider prices in MESH wei per 1M input / output tokens (multiples of 1e12 wei). */
  pricePerMInput: bigint
  pricePerMOutput: bigint
  /** A provider's compute cost as a share of what it bills; a validator's re-execution the same share of the job's price. */
  computeCostShare: number
  /** MESH in USD: fixed, or moving with net supply and demand. */
  meshPrice: { mode: 'fixed' | 'responsive'; initialUsd: number; sensitivity: number }
  /** Gas of a transaction in MESH wei (gas price × ETH/MESH), per 100,000 gas. */
  gasCostPer100k: bigint
  /** The models' royalty rate, in basis points. */
  royaltyBps: bigint
}

/** Which cheat a plain cheater (and each escape) uses. */
export type CheaterPlan = { cheat: CheatName; target: TargetingRule }

/** The defaults: the deployed contracts' defaults, the gateway's p = 0.05 and fee, and a plausible market. */
export function defaultSimParams(overrides: Partial<SimParams> = {}): SimParams {
  return {
    seed: 14,
    epochs: 24,
    providers: 2000,
    requestsPerEpoch: 20_000,
    deploy: defaultDeployParams,
    tolerances: defaultTolerances,
    embeddingsCheck: false,
    p: 0.05,
    sampleFee: 10n ** 16n,
    probeShare: 0.01,
    probeRecognition: 0.9,
    mix: {
      cheaters: 0.04,
      hitAndRun: 0.005,
      shamDisputers: 0.005,
      nicheCheaters: 0.005,
      sybilFarmers: 0.02,
      selfDealers: 0.01,
    },
    sybilIdentities: 8,
    stakeMultiple: [1, 3],
    gateways: { honest: 0.8, lazy: 0.1, colluding: 0.1 },
    validators: { count: 30, lazy: 0.2, sybil: 0.05, colluding: 0.1 },
    modelCoverage: 0.6,
    nicheHolders: 2,
    models: 8,
    modeMix: [0.3, 0.5, 0.2],
    lengths: [16, 64, 256],
    embeddingsShare: 0.1,
    priceElasticity: 1.2,
    qualityElasticity: 2,
    pricePerMInput: 10n ** 17n,
    pricePerMOutput: 4n * 10n ** 17n,
    computeCostShare: 0.6,
    meshPrice: { mode: 'fixed', initialUsd: 1, sensitivity: 0.5 },
    gasCostPer100k: 10n ** 15n,
    royaltyBps: 500n,
    ...overrides,
  }
}
