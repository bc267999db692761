import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod'
import { BaseError } from './errors.js'

const address = z
  .string()
  .refine((value) => isAddress(value), 'must be a 0x-prefixed 20-byte address')
  .transform((value) => getAddress(value) as Address)
const uint = z
  .union([z.bigint(), z.string().regex(/^\d+$/, 'must be a whole number'), z.number().int().nonnegative()])
  .transform((value) => BigInt(value))

/** The protocol parameters set at deployment. Amounts in MESH wei, durations in seconds. */
export const deployParamsSchema = z.object({
  /** Stake a provider needs to register and to stay routable. */
  minStake: uint,
  /** Stake a validator needs. */
  minValidatorStake: uint,
  /**
   * Seconds stake waits between unstake and withdrawal; slashing still reaches it. At least
   * `minUnbondingPeriod(params)`: the dispute window plus every round's voting (the contracts refuse less).
   */
  unbondingPeriod: uint,
  /** Offers one provider may publish. */
  maxOffers: uint,
  /** Highest royalty a model may take, in basis points (at most 3000). */
  maxRoyaltyBps: uint,
  /**
   * Seconds before a royalty increase (or a new model's first royalty) applies; decreases apply at once.
   * 2 h to 60 days, and at least withdrawDelay + 1 h (Payments' settlement interval), so a provider
   * redeems work done under the old terms before new ones apply.
   */
  royaltyIncreaseDelay: uint,
  /** MESH wei minted once, at deployment, to the deployer (the only mint besides Emissions'). */
  initialSupply: uint,
  /**
   * Seconds of the MeshTimelock that owns every contract on a real chain (at least withdrawDelay + 1 h);
   * 0 deploys no timelock and leaves the deployer the owner (devnets and tests).
   */
  timelockDelay: uint,
  /** Share of every payment burned, in basis points (at most 5000). */
  burnBps: uint,
  /** Seconds between a payer's withdrawal request and the withdrawal: providers redeem before it ends. */
  withdrawDelay: uint,
  /** Seconds per epoch, the same in Payments, Uptime, Disputes and Emissions (60 to 30 days). */
  epochLength: uint,
  /** Lowest stake-weighted median uptime score (0–10,000) that keeps a provider routable and rewarded. */
  uptimeFloor: uint,
  /**
   * MESH wei a challenger posts with a dispute: back to it when guilty or void; when innocent, split among
   * the committee members who voted innocent (the rest burned), never to the provider.
   */
  challengerBond: uint,
  /** Share of a guilty provider's stake and unbonding stake slashed, in basis points (1 to 5000). */
  slashBps: uint,
  /**
   * Share of a slash paid to the challenger the payer's sample named, in basis points; the rest is
   * burned (all of it when anyone else opened the dispute).
   */
  challengerRewardBps: uint,
  /** Validators drawn by stake to vote on a dispute: odd, 3 to 21; a verdict needs a majority of them all. */
  committeeSize: uint,
  /** Blocks between opening a dispute (or a new round) and the block whose hash seeds its draw (at least 1). */
  drawDelay: uint,
  /** Seconds a committee has to commit its hidden votes (60 to 30 days). */
  commitPeriod: uint,
  /** Seconds after the commit period to reveal them (60 to 30 days). */
  revealPeriod: uint,
  /** Share of its stake a committee member loses for not revealing a vote, in basis points (at most 1000). */
  absentSlashBps: uint,
  /** Seconds after a receipt's servedAt during which it can be disputed (60 to 60 days). */
  disputeWindow: uint,
  /** Rounds of a dispute (1 to 4): missing votes redraw their seats; no majority after the last is void. */
  maxRounds: uint,
  /** MESH wei minted per epoch before the first halving. */
  initialEmission: uint,
  /** Epochs between halvings of the emission. */
  halvingEpochs: uint,
  /** Share of an epoch's emission for providers by uptime, in basis points. */
  availabilityBps: uint,
  /** Share for providers by paid work, in basis points. */
  workBps: uint,
  /** Share for validators by uptime reports, in basis points (the three shares sum to 10,000). */
  validatorBps: uint,
  /** Cap of a provider's work reward as a share of its paid work; below burnBps, so self-dealing loses. */
  maxWorkRewardBps: uint,
  /** Epochs after an epoch during which its work can still be disputed before rewards are claimable. */
  challengeEpochs: uint,
  /**
   * Share of the burn Payments flushes that pays validators' committee votes (VerificationFees), in basis
   * points (at most 5000); 0 burns everything. Defaults to 2000 so that older deployment files still load.
   */
  verificationShareBps: uint.default(2000n),
  /**
   * Most MESH wei one committee vote earns from an epoch's pool (1 to 1,000,000 MESH); what the cap leaves
   * rolls over to a later epoch. Defaults to 5 MESH so that older deployment files still load.
   */
  maxFeePerVote: uint.default(5n * 10n ** 18n),
  /**
   * MESH wei a provider keeps posted in the JobCoordinator to be drawn for on-chain jobs (at most 1,000,000
   * MESH). Defaults to 10 MESH so that older deployment files still load.
   */
  jobBond: uint.default(10n * 10n ** 18n),
  /** MESH wei taken from the bond of a provider that misses a job's deadline, paid to the requester (≤ jobBond). */
  jobMissPenalty: uint.default(10n ** 18n),
  /** Seconds an assigned provider has to deliver an on-chain job (60 to 86,400). */
  jobResponseWindow: uint.default(600n),
  /** Blocks between a job's request (or re-draw) and the block whose hash seeds its draw (1 to 255). */
  jobDrawDelay: uint.default(1n),
  /** Draws before a job that found no eligible provider is refunded (1 to 16). */
  jobMaxAttempts: uint.default(4n),
})
export type DeployParams = z.output<typeof deployParamsSchema>

/**
 * Parameters used when none are given: 1,000 MESH stake, 7 days unbonding, 5% burn, 1 day withdrawal delay,
 * royalty increases after 25 h, no initial supply and no timelock (a real chain sets both),
 * 1-hour epochs, uptime floor 80%, disputes within 3 days of the work with a 100 MESH bond, 10% slash
 * (half to the challenger), 3-member committees committing for 12 h and revealing for 12 h in at most 2
 * rounds (so the 7 days of unbonding outlast the 5 days a dispute can take), and 1,000 MESH per epoch
 * halving yearly (40% uptime, 40% work capped at 2.5% of paid work, 20% validators); 20% of the flushed burn
 * pays committee votes, at most 5 MESH a vote; on-chain jobs need a 10 MESH bond, a missed deadline costs 1 MESH of
 * it, an assigned provider has 10 minutes, a draw reads the next block's hash and a job gets 4 draws.
 */
export const defaultDeployParams: DeployParams = {
  minStake: 1000n * 10n ** 18n,
  minValidatorStake: 1000n * 10n ** 18n,
  unbondingPeriod: 7n * 24n * 3600n,
  maxOffers: 32n,
  maxRoyaltyBps: 2000n,
  royaltyIncreaseDelay: 25n * 3600n,
  initialSupply: 0n,
  timelockDelay: 0n,
  burnBps: 500n,
  withdrawDelay: 24n * 3600n,
  epochLength: 3600n,
  uptimeFloor: 8000n,
  challengerBond: 100n * 10n ** 18n,
  slashBps: 1000n,
  challengerRewardBps: 5000n,
  committeeSize: 3n,
  drawDelay: 1n,
  commitPeriod: 12n * 3600n,
  revealPeriod: 12n * 3600n,
  absentSlashBps: 100n,
  disputeWindow: 3n * 24n * 3600n,
  maxRounds: 2n,
  initialEmission: 1000n * 10n ** 18n,
  halvingEpochs: 8760n,
  availabilityBps: 4000n,
  workBps: 4000n,
  validatorBps: 2000n,
  maxWorkRewardBps: 250n,
  challengeEpochs: 1n,
  verificationShareBps: 2000n,
  maxFeePerVote: 5n * 10n ** 18n,
  jobBond: 10n * 10n ** 18n,
  jobMissPenalty: 10n ** 18n,
  jobResponseWindow: 600n,
  jobDrawDelay: 1n,
  jobMaxAttempts: 4n,
}

/**
 * The shortest unbonding period these dispute parameters allow: `disputeWindow + maxRounds × (commitPeriod
 * + revealPeriod)`, the longest a provider can stay disputable for work it did before it unstaked. Disputes
 * computes the same (`minUnbondingPeriod()`), and the Registry refuses an unbonding period below it.
 */
export function minUnbondingPeriod(
  params: Pick<DeployParams, 'disputeWindow' | 'maxRounds' | 'commitPeriod' | 'revealPeriod'>,
): bigint {
  return params.disputeWindow + params.maxRounds * (params.commitPeriod + params.revealPeriod)
}

/** Where a deployment lives: written by `deployContracts`, read by every process. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url(),
  deployer: address,
  /** Block of the first deployment transaction: indexers start here. */
  startBlock: uint,
  contracts: z.object({
    token: address,
    models: address,
    registry: address,
    payments: address,
    uptime: address,
    disputes: address,
    emissions: address,
    /** VerificationFees: pays committee votes from a share of the burn (issue 12). */
    verificationFees: address,
    /** ModelSharesFactory: revenue-share tokens of models and their offerings (issue 15). */
    modelSharesFactory: address,
    /** JobCoordinator: on-chain inference jobs with a callback (issue 15). */
    jobCoordinator: address,
    /** QuestionOracle: the example consumer of on-chain jobs (asks a model, stores the answers). */
    questionOracle: address,
    /** The MeshTimelock that owns every contract, when the deployment has one (params.timelockDelay > 0). */
    timelock: address.optional(),
  }),
  params: deployParamsSchema,
})
export type Deployment = z.output<typeof deploymentSchema>

/** Writes a deployment as JSON (bigints as decimal strings), creating the directory. */
export async function writeDeployment(file: string, deployment: Deployment): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const json = JSON.stringify(
    deployment,
    (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  )
  await writeFile(file, `${json}\n`)
}

/** Reads and validates a deployment file written by `writeDeployment`. */
export async function readDeployment(file: string): Promise<Deployment> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (cause) {
    throw new BaseError(`Cannot read the deployment file ${file}: deploy the contracts first.`, { cause })
  }
  const parsed = deploymentSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ')
    throw new BaseError(`The deployment file ${file} is invalid: ${problems}`)
  }
  return parsed.data
}
