import { meshTokenAbi, registryAbi } from '@infermesh/protocol'
import { type Address, type Chain, formatEther, type PublicClient, type Transport } from 'viem'
import { ValidatorError } from '../errors.js'
import type { ChainWriter } from './createChainWriter.js'

export type RegisterValidatorParams = {
  publicClient: PublicClient<Transport, Chain>
  writer: ChainWriter
  contracts: { registry: Address; token: Address }
  endpoint: string
  /** Stake wanted; default the Registry's minimum validator stake. Never lowers a stake. */
  stake?: bigint
}

/**
 * Makes the Registry hold this validator: tops the stake up to what is wanted (at least the minimum) and
 * registers (or updates) the endpoint gateways send samples to. Running it again is safe.
 *
 * @throws ValidatorError when the account is a provider or lacks MESH.
 */
export async function registerValidator(
  params: RegisterValidatorParams,
): Promise<'registered' | 'updated' | 'unchanged'> {
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
