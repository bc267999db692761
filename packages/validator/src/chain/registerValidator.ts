import { meshTokenAbi, registryAbi } from '@infermesh/protocol'
import { type Address, type Chain, formatEther, type Hex, type PublicClient, type Transport } from 'viem'
import { ValidatorError } from '../errors.js'
import type { ChainWriter } from './createChainWriter.js'

export type RegisterValidatorParams = {
  publicClient: PublicClient<Transport, Chain>
  writer: ChainWriter
  contracts: { registry: Address; token: Address }
  endpoint: string
  /** Stake wanted; default the Registry's minimum validator stake. Never lowers a stake. */
  stake?: bigint
  /**
   * The model ids this validator can re-execute: declared in the Registry (`setValidatorModels`) when the
   * on-chain set differs, so committees are drawn, and gateways send samples, only among validators
   * holding the disputed model. Default: leave the declared set as it is.
   */
  models?: readonly Hex[]
}

/** What `registerValidator` did: to the registration, and to the declared models. */
export type RegisterValidatorOutcome = {
  registration: 'registered' | 'updated' | 'unchanged'
  models: 'declared' | 'unchanged'
}

/**
 * Makes the Registry hold this validator: tops the stake up to what is wanted (at least the minimum),
 * registers (or updates) the endpoint gateways send samples to, then declares the models it can
 * re-execute when the Registry's set differs. Running it again is safe.
 *
 * @throws ValidatorError when the account is a provider, lacks MESH or holds more models than a
 * validator may declare.
 */
export async function registerValidator(params: RegisterValidatorParams): Promise<RegisterValidatorOutcome> {
  const registration = await register(params)
  const models = params.models === undefined ? 'unchanged' : await declareModels(params, params.models)
  return { registration, models }
}

async function declareModels(params: RegisterValidatorParams, wanted: readonly Hex[]) {
  const { publicClient, writer, contracts } = params
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: contracts.registry,
      abi: registryAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const ids = [...new Set(wanted.map((id) => id.toLowerCase() as Hex))]
  const [declared, max] = await Promise.all([
    read<readonly Hex[]>('validatorModels', [writer.address]),
    read<bigint>('MAX_VALIDATOR_MODELS'),
  ])
  if (BigInt(ids.length) > max) {
    throw new ValidatorError(
      `This validator holds ${ids.length} models; a validator declares at most ${max} in the Registry: configure at most ${max} (the others' samples would be refused anyway).`,
      { status: 400, code: 'too_many_models', retryable: false },
    )
  }
  const onChain = new Set(declared.map((id) => id.toLowerCase()))
  if (onChain.size === ids.length && ids.every((id) => onChain.has(id))) return 'unchanged'
  await writer.write({
    address: contracts.registry,
    abi: registryAbi,
    functionName: 'setValidatorModels',
    args: [ids],
  })
  return 'declared'
}

async function register(params: RegisterValidatorParams): Promise<'registered' | 'updated' | 'unchanged'> {
  const { publicClient, writer, contracts } = params
  const me = writer.address
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const [minimum, [role, staked], balance] = await Promise.all([
    read<bigint>(contracts.registry, registryAbi, 'minValidatorStake'),
    read<readonly [number, bigint, bigint, bigint]>(contracts.registry, registryAbi, 'stakeOf', [me]),
    read<bigint>(contracts.token, meshTokenAbi, 'balanceOf', [me]),
  ])
  if (role === 1) {
    throw new ValidatorError(
      `${me} is registered as a provider; an account has one role: give the validator its own key.`,
      { status: 409, code: 'account_is_provider', retryable: false },
    )
  }
  const target = params.stake !== undefined && params.stake > minimum ? params.stake : minimum
  const topUp = target > staked ? target - staked : 0n
  if (topUp > balance) {
    throw new ValidatorError(
      `Not enough MESH to stake: ${me} holds ${formatEther(balance)} MESH and needs ${formatEther(topUp)} more for a stake of ${formatEther(target)} MESH.`,
      { status: 402, code: 'insufficient_balance', retryable: false },
    )
  }
  if (topUp > 0n) {
    const allowance = await read<bigint>(contracts.token, meshTokenAbi, 'allowance', [me, contracts.registry])
    if (allowance < topUp)
      await writer.write({
        address: contracts.token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [contracts.registry, topUp],
      })
    await writer.write({
      address: contracts.registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [topUp],
    })
  }
  if (role === 2) {
    const view = await read<{ endpoint: string }>(contracts.registry, registryAbi, 'getValidator', [me])
    if (view.endpoint === params.endpoint) return 'unchanged'
  }
  await writer.write({
    address: contracts.registry,
    abi: registryAbi,
    functionName: 'registerValidator',
    args: [params.endpoint],
  })
  return role === 2 ? 'updated' : 'registered'
}
