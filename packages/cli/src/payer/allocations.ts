import { paymentsAbi } from '@infermesh/protocol'
import { type Address, formatEther, getAddress, type Hex, isAddress } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { parseMesh } from '../parseMesh.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { PayerTarget } from './resolvePayer.js'

export type Allocation = { provider: Address; amount: bigint }

/** Parses `PROVIDER:MESH[,PROVIDER:MESH…]` (each flag value may list several). */
export function parseAllocations(values: readonly string[]): Allocation[] {
  const allocations: Allocation[] = []
  for (const entry of values.flatMap((value) => value.split(',')).filter((part) => part.trim() !== '')) {
    const [provider, mesh, ...rest] = entry.trim().split(':')
    if (!provider || mesh === undefined || rest.length > 0 || !isAddress(provider))
      throw usageError(`--allocate takes PROVIDER:MESH (a 0x address and an amount), not "${entry}"`)
    const amount = parseMesh(mesh, `the allocation to ${provider}`)
    if (amount === 0n) throw usageError(`the allocation to ${provider} must be more than 0 MESH`)
    allocations.push({ provider: getAddress(provider), amount })
  }
  return allocations
}

export type AllocationView = { provider: Address; amount: bigint; releasing: bigint; releaseAt: bigint }

/**
 * The payer's allocations, per provider it ever allocated to (from its Allocated events): what each
 * holds, what is being released and when.
 */
export async function readAllocations(target: PayerTarget, chain: ProviderChain): Promise<AllocationView[]> {
  const { payments } = target.contracts
  const me = chain.account.address
  const logs = await chain.publicClient.getContractEvents({
    address: payments,
    abi: paymentsAbi,
    eventName: 'Allocated',
    args: { payer: me },
    fromBlock: 0n,
  })
  const providers = [...new Set(logs.map((log) => log.args.provider).filter((p): p is Address => !!p))]
  const views = await Promise.all(
    providers.map(async (provider) => {
      const [amount, releasing, releaseAt] = await chain.publicClient.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [me, provider],
      })
      return { provider, amount, releasing, releaseAt: BigInt(releaseAt) }
    }),
  )
  return views.filter((view) => view.amount > 0n || view.releasing > 0n)
}

/** One line per allocation, for people. */
export function describeAllocations(views: readonly AllocationView[], now: bigint): string[] {
  return views.map((view) => {
    const releasing =
      view.releasing > 0n
        ? `, ${formatEther(view.releasing)} MESH being released (${view.releaseAt <= now ? `unlocked: infermesh withdraw --release-complete ${view.provider}` : `unlocks at ${new Date(Number(view.releaseAt) * 1000).toISOString()}`})`
        : ''
    return `${view.provider}: ${formatEther(view.amount)} MESH allocated${releasing}`
  })
}

/**
 * Allocates part of the payer's unallocated deposit to providers, in one transaction.
 *
 * @throws CliError when the deposit holds less than the allocations ask for.
 */
export async function allocateDeposit(params: {
  target: PayerTarget
  chain: ProviderChain
  allocations: readonly Allocation[]
  log: (line: string) => void
}): Promise<Hex> {
  const { target, chain, allocations, log } = params
  const { payments } = target.contracts
  const total = allocations.reduce((sum, a) => sum + a.amount, 0n)
  const deposit = await chain.publicClient.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'balanceOf',
    args: [chain.account.address],
  })
  if (deposit < total)
    throw new CliError(
      `the unallocated deposit of ${chain.account.address} is ${formatEther(deposit)} MESH, less than the ${formatEther(total)} MESH to allocate: deposit more (infermesh deposit MESH --allocate …)`,
    )
  return sendContractCall(
    chain,
    { address: payments, abi: paymentsAbi, functionName: 'allocate', args: [allocations] },
    log,
  )
}

/**
 * Asks Payments to release `amount` (default: all) of the payer's allocation to `provider` back into its
 * deposit after the withdrawal delay; the provider redeems what it is owed before then.
 */
export async function requestAllocationRelease(params: {
  target: PayerTarget
  chain: ProviderChain
  provider: Address
  amount?: bigint | undefined
  log: (line: string) => void
}): Promise<{ amount: bigint; unlockAt: bigint; now: bigint }> {
  const { target, chain, provider, log } = params
  const { payments } = target.contracts
  const me = chain.account.address
  const [allocated] = await chain.publicClient.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'allocationOf',
    args: [me, provider],
  })
  const amount = params.amount ?? allocated
  if (amount === 0n || amount > allocated)
    throw new CliError(
      `${me} has ${formatEther(allocated)} MESH allocated to ${provider}${amount > allocated ? `, less than the ${formatEther(amount)} MESH to release` : ': nothing to release'}`,
    )
  await sendContractCall(
    chain,
    { address: payments, abi: paymentsAbi, functionName: 'requestRelease', args: [provider, amount] },
    log,
  )
  const [[, , releaseAt], block] = await Promise.all([
    chain.publicClient.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'allocationOf',
      args: [me, provider],
    }),
    chain.publicClient.getBlock(),
  ])
  return { amount, unlockAt: BigInt(releaseAt), now: block.timestamp }
}

/** Moves an unlocked release back into the deposit; returns what came back (redemptions may have spent part). */
export async function completeAllocationRelease(params: {
  target: PayerTarget
  chain: ProviderChain
  provider: Address
  log: (line: string) => void
}): Promise<bigint> {
  const { target, chain, provider, log } = params
  const { payments } = target.contracts
  const me = chain.account.address
  const [, releasing, releaseAt] = await chain.publicClient.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'allocationOf',
    args: [me, provider],
  })
  if (releasing === 0n)
    throw new CliError(
      `${me} has no release pending from ${provider}: infermesh withdraw --release ${provider} first`,
    )
  const now = (await chain.publicClient.getBlock()).timestamp
  if (now < BigInt(releaseAt))
    throw new CliError(
      `the release from ${provider} unlocks at ${new Date(Number(releaseAt) * 1000).toISOString()} (chain time); nothing was sent`,
    )
  const before = await chain.publicClient.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'balanceOf',
    args: [me],
  })
  await sendContractCall(
    chain,
    { address: payments, abi: paymentsAbi, functionName: 'release', args: [provider] },
    log,
  )
  const after = await chain.publicClient.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'balanceOf',
    args: [me],
  })
  return after - before
}
