import {
  modelRegistryAbi,
  modelSharesAbi,
  modelSharesFactoryAbi,
  paymentsAbi,
  shareOfferingAbi,
} from '@infermesh/protocol'
import { type Address, type Hex, zeroAddress } from 'viem'
import { CliError } from '../CliError.js'
import type { ModelChain } from './connectModelChain.js'
import type { ModelTarget } from './resolveModelTarget.js'

/** The states of a ShareOffering, by the contract's enum order. */
export const offeringStates = ['Pending', 'Open', 'Closed', 'Succeeded', 'Failed'] as const
export type OfferingState = (typeof offeringStates)[number]

export type ShareHolder = { address: Address; balance: bigint; claimable: bigint }

/** A model, its royalties, its share token and its offering, as `infermesh model show` prints them. */
export type ModelSharesView = {
  modelId: Hex
  name: string
  uri: string
  owner: Address
  royaltyBps: number
  royaltyReceiver: Address
  /** A scheduled rise of the royalty, when one waits. */
  pendingRoyalty?: { bps: number; effectiveAt: bigint }
  /** Σ royalty of every payment for the model (Payments' Redeemed and, for on-chain jobs, Paid events), whoever received it. */
  royaltiesPaid: bigint
  redemptions: number
  shares?: {
    address: Address
    name: string
    symbol: string
    totalSupply: bigint
    /** MESH received (pending royalties in Payments counted), claimed by holders, and carried as dust. */
    totalIncome: bigint
    totalClaimed: bigint
    dust: bigint
    /** Royalties the token pulled from Payments (RoyaltiesClaimed events for it). */
    pulled: bigint
    /** Every account that holds shares now (found from Transfer events), largest first. */
    holders: ShareHolder[]
  }
  offering?: {
    address: Address
    seller: Address
    state: OfferingState
    sharesOffered: bigint
    startPrice: bigint
    floorPrice: bigint
    start: bigint
    end: bigint
    minRaise: bigint
    minRoyaltyBps: number
    raised: bigint
    sold: bigint
    currentPrice: bigint
    royaltyRouted: boolean
  }
}

/**
 * Reads a model's record and royalty terms from the ModelRegistry, the royalties its redemptions paid
 * (Payments' Redeemed events since the deployment), and, when it has them, its share token (income,
 * holders from Transfer events, what each can claim) and its offering (terms, raised, state).
 *
 * @throws CliError when the model is not registered.
 */
export async function readModelShares(
  chain: ModelChain,
  target: ModelTarget,
  modelId: Hex,
): Promise<ModelSharesView> {
  const { publicClient } = chain
  const fromBlock = target.startBlock
  const [model, pending, sharesAddress, offeringAddress, redeemed, paidFor] = await Promise.all([
    publicClient.readContract({
      address: target.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'getModel',
      args: [modelId],
    }),
    publicClient.readContract({
      address: target.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'pendingRoyalty',
      args: [modelId],
    }),
    publicClient.readContract({
      address: chain.factory,
      abi: modelSharesFactoryAbi,
      functionName: 'sharesOf',
      args: [modelId],
    }),
    publicClient.readContract({
      address: chain.factory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [modelId],
    }),
    publicClient.getContractEvents({
      address: target.contracts.payments,
      abi: paymentsAbi,
      eventName: 'Redeemed',
      args: { modelId },
      fromBlock,
    }),
    // On-chain jobs pay through payFor: its royalty counts the same.
    publicClient.getContractEvents({
      address: target.contracts.payments,
      abi: paymentsAbi,
      eventName: 'Paid',
      args: { modelId },
      fromBlock,
    }),
  ])
  if (model.owner === zeroAddress)
    throw new CliError(`no model ${modelId} is registered: "infermesh model register" registers it`)
  const view: ModelSharesView = {
    modelId,
    name: model.name,
    uri: model.uri,
    owner: model.owner,
    royaltyBps: model.royaltyBps,
    royaltyReceiver: model.royaltyReceiver,
    ...(pending[1] !== 0n && { pendingRoyalty: { bps: pending[0], effectiveAt: pending[1] } }),
    royaltiesPaid:
      redeemed.reduce((sum, log) => sum + (log.args.royalty ?? 0n), 0n) +
      paidFor.reduce((sum, log) => sum + (log.args.royalty ?? 0n), 0n),
    redemptions: redeemed.length + paidFor.length,
  }
  if (sharesAddress !== zeroAddress) {
    const read = <const F extends string>(functionName: F, args: readonly unknown[] = []) =>
      publicClient.readContract({ address: sharesAddress, abi: modelSharesAbi, functionName, args } as never)
    const [name, symbol, totalSupply, totalIncome, totalClaimed, dust, transfers, pulls] = await Promise.all([
      read('name') as Promise<string>,
      read('symbol') as Promise<string>,
      read('totalSupply') as Promise<bigint>,
      read('totalIncome') as Promise<bigint>,
      read('totalClaimed') as Promise<bigint>,
      read('dust') as Promise<bigint>,
      publicClient.getContractEvents({
        address: sharesAddress,
        abi: modelSharesAbi,
        eventName: 'Transfer',
        fromBlock,
      }),
      publicClient.getContractEvents({
        address: target.contracts.payments,
        abi: paymentsAbi,
        eventName: 'RoyaltiesClaimed',
        args: { receiver: sharesAddress },
        fromBlock,
      }),
    ])
    const accounts = [...new Set(transfers.map((log) => log.args.to).filter((to): to is Address => !!to))]
    const holders = (
      await Promise.all(
        accounts.map(async (address) => ({
          address,
          balance: (await read('balanceOf', [address])) as bigint,
          claimable: (await read('claimable', [address])) as bigint,
        })),
      )
    )
      .filter((holder) => holder.balance > 0n || holder.claimable > 0n)
      .sort((a, b) => (a.balance === b.balance ? 0 : a.balance > b.balance ? -1 : 1))
    view.shares = {
      address: sharesAddress,
      name,
      symbol,
      totalSupply,
      totalIncome,
      totalClaimed,
      dust,
      pulled: pulls.reduce((sum, log) => sum + (log.args.amount ?? 0n), 0n),
      holders,
    }
  }
  if (offeringAddress !== zeroAddress) {
    const read = <const F extends string>(functionName: F) =>
      publicClient.readContract({ address: offeringAddress, abi: shareOfferingAbi, functionName } as never)
    const [seller, state, terms, raised, sold, currentPrice, royaltyRouted] = (await Promise.all([
      read('seller'),
      read('state'),
      read('terms'),
      read('raised'),
      read('sold'),
      read('currentPrice'),
      read('royaltyRouted'),
    ])) as [
      Address,
      number,
      {
        sharesOffered: bigint
        startPrice: bigint
        floorPrice: bigint
        start: bigint
        end: bigint
        minRaise: bigint
        minRoyaltyBps: number
      },
      bigint,
      bigint,
      bigint,
      boolean,
    ]
    view.offering = {
      address: offeringAddress,
      seller,
      state: offeringStates[state] ?? 'Pending',
      ...terms,
      raised,
      sold,
      currentPrice,
      royaltyRouted,
    }
  }
  return view
}
