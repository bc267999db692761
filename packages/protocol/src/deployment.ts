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
  /** Seconds stake waits between unstake and withdrawal; slashing still reaches it. */
  unbondingPeriod: uint,
  /** Offers one provider may publish. */
  maxOffers: uint,
  /** Highest royalty a model may take, in basis points (at most 3000). */
  maxRoyaltyBps: uint,
  /** Share of every payment burned, in basis points (at most 5000). */
  burnBps: uint,
  /** Seconds between a payer's withdrawal request and the withdrawal: providers redeem before it ends. */
  withdrawDelay: uint,
})
export type DeployParams = z.output<typeof deployParamsSchema>

/** Parameters used when none are given: 1,000 MESH stake, 7 days unbonding, 5% burn, 1 day withdrawal delay. */
export const defaultDeployParams: DeployParams = {
  minStake: 1000n * 10n ** 18n,
  minValidatorStake: 1000n * 10n ** 18n,
  unbondingPeriod: 7n * 24n * 3600n,
  maxOffers: 32n,
  maxRoyaltyBps: 2000n,
  burnBps: 500n,
  withdrawDelay: 24n * 3600n,
}

/** Where a deployment lives: written by `deployContracts`, read by every process. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url(),
  deployer: address,
  /** Block of the first deployment transaction: indexers start here. */
  startBlock: uint,
  contracts: z.object({ token: address, models: address, registry: address, payments: address }),
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
