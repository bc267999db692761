import { formatEther } from 'viem'

const mesh = (wei: unknown) => `${formatEther(BigInt(wei as bigint))} MESH`
const shares = (units: unknown) => formatEther(BigInt(units as bigint))
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
    // ModelRegistry, ModelSharesFactory, ModelShares and ShareOffering (infermesh model …).
    case 'NotModelOwner':
      return `${String(args[1])} does not own model ${String(args[0])}: only its owner can do this`
    case 'ModelNotFound':
      return `no model ${String(args[0])} is registered`
    case 'ModelAlreadyRegistered':
      return `model ${String(args[0])} is registered already ("infermesh model show" names its owner)`
    case 'NameTaken':
      return `the name "${String(args[0])}" belongs to model ${String(args[1])}: pick another --name`
    case 'InvalidName':
      return `the name is ${String(args[0])} bytes; give 1 to ${String(args[1])}`
    case 'RoyaltyTooHigh':
      return `a royalty of ${String(args[0])} bps is above the cap of ${String(args[1])} bps`
    case 'SharesExist':
      return `model ${String(args[0])} has its share token already (${String(args[1])}): one per model, its supply fixed`
    case 'OfferExceedsSupply':
      return `${shares(args[0])} shares offered is more than the supply of ${shares(args[1])}`
    case 'InvalidTerms':
      return `the offering's terms are wrong: ${String(args[0])}`
    case 'PriceAboveMax':
      return `the price is ${mesh(args[0])} a share now, above the --max-price of ${mesh(args[1])}`
    case 'ExceedsCap':
      return `only ${shares(args[1])} shares remain for sale, fewer than the ${shares(args[0])} asked for`
    case 'RoyaltyNotRouted':
      return `the model's royalty is not locked to its share token at the offering's rate (locked to ${String(args[0])} at ${String(args[1])} bps): buying waits until the owner locks it (\`infermesh model offer\` does)`
    case 'RoyaltyIsLocked':
      return `the model's royalty is locked to ${String(args[1])} at ${String(args[2])} bps or more (its revenue shares rely on it): it cannot be pointed elsewhere or cut below that`
    case 'RoyaltyFloorAboveRate':
      return `a royalty floor of ${String(args[0])} bps is above the model's rate of ${String(args[1])} bps (in force or scheduled)`
    case 'NotStarted':
      return `the sale starts at ${new Date(Number(args[0]) * 1000).toISOString()}`
    case 'SaleEnded':
      return 'the sale has ended: "infermesh model claim" finalizes it, then delivers the shares or refunds'
    case 'NothingToClaim':
      return `${String(args[0])} has nothing to claim`
    default:
      return undefined
  }
}
