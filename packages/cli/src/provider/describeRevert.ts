import { formatEther } from 'viem'

const mesh = (wei: unknown) => `${formatEther(BigInt(wei as bigint))} MESH`
const configField: Record<string, string> = {
  endpoint: 'registration.endpoint',
  region: 'registration.region',
  gpuModel: 'registration.hardware.gpuModel',
}
const roles = ['no role', 'a provider', 'a validator']

/**
 * A sentence a person can act on for a custom error of the Registry, Payments or MeshToken, by error name and
 * arguments; `undefined` for errors it does not know.
 */
export function describeRevert(errorName: string, args: readonly unknown[] = []): string | undefined {
  switch (errorName) {
    case 'InsufficientStake':
      return `the stake of ${mesh(args[0])} is below the ${mesh(args[1])} required`
    case 'AlreadyRegistered':
      return `${String(args[0])} is already registered as ${roles[Number(args[1])] ?? 'another role'}; an account has one role: use another key`
    case 'NotRegistered':
      return `${String(args[0])} is not registered as ${roles[Number(args[1])] ?? 'that role'}`
    case 'FieldTooLong':
      return `${configField[String(args[0])] ?? String(args[0])} is ${String(args[1])} bytes; the Registry takes at most ${String(args[2])}: shorten it in the config`
    case 'EmptyEndpoint':
      return 'registration.endpoint is empty: set the URL gateways call'
    case 'TooManyOffers':
      return `the Registry takes at most ${String(args[1])} offers per provider; this would make ${String(args[0])}: offer fewer models`
    case 'ZeroModelId':
      return 'an offer has model id 0x00…00: set a real modelId in the config'
    case 'UnbondingNotFinished':
      return Number(args[0]) === 0
        ? 'no stake is unbonding'
        : `${mesh(args[0])} is unbonding until ${new Date(Number(args[1]) * 1000).toISOString()}`
    case 'StakeIsFrozen':
      return `${Number(args[1]) === 1 ? 'an open dispute' : `${String(args[1])} open disputes`} against ${String(args[0])} freeze its stake: withdraw once resolved`
    case 'ERC20InsufficientBalance':
      return `${String(args[0])} holds ${mesh(args[1])} but ${mesh(args[2])} is needed`
    case 'ERC20InsufficientAllowance':
      return `the contract may spend ${mesh(args[1])} of the MESH but needs ${mesh(args[2])}`
    case 'InsufficientBalance':
      return `the deposit is ${mesh(args[0])}, less than the ${mesh(args[1])} asked for`
    case 'NoWithdrawalRequested':
      return `${String(args[0])} has no withdrawal pending: "infermesh withdraw MESH" requests one`
    case 'WithdrawalLocked':
      return `the withdrawal is locked until ${new Date(Number(args[0]) * 1000).toISOString()}`
    case 'ZeroAmount':
      return 'the amount is zero'
    default:
      return undefined
  }
}
