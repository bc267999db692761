import { formatEther } from 'viem'
import type { ModelSharesView } from './readModelShares.js'

const date = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString()
const percent = (part: bigint, whole: bigint) =>
  whole === 0n ? '0.00%' : `${(Number((part * 1_000_000n) / whole) / 10_000).toFixed(2)}%`

/** The lines `infermesh model show` prints for a model, its royalties, share token and offering. */
export function formatModelShares(view: ModelSharesView): string[] {
  const lines = [`model ${view.name} (${view.modelId}), owner ${view.owner}`]
  const receiver =
    view.shares && view.royaltyReceiver === view.shares.address ? 'the share token' : view.royaltyReceiver
  lines.push(
    `royalty: ${view.royaltyBps} bps${view.royaltyBps === 0 && !view.pendingRoyalty ? '' : ` to ${receiver}`}${
      view.pendingRoyalty
        ? `, rising to ${view.pendingRoyalty.bps} bps at ${date(view.pendingRoyalty.effectiveAt)}`
        : ''
    }`,
  )
  lines.push(
    `royalties paid: ${formatEther(view.royaltiesPaid)} MESH over ${view.redemptions} redemption${view.redemptions === 1 ? '' : 's'}`,
  )
  const shares = view.shares
  if (!shares) {
    lines.push('shares: none ("infermesh model offer" creates them)')
    return lines
  }
  lines.push(
    `shares: ${shares.symbol} "${shares.name}" at ${shares.address}, supply ${formatEther(shares.totalSupply)}`,
    `  income ${formatEther(shares.totalIncome)} MESH (pulled from Payments ${formatEther(shares.pulled)}), claimed ${formatEther(shares.totalClaimed)} MESH, dust ${shares.dust} wei`,
    `holders (${shares.holders.length}):`,
  )
  for (const holder of shares.holders)
    lines.push(
      `  ${holder.address}  ${formatEther(holder.balance)} (${percent(holder.balance, shares.totalSupply)})  claimable ${formatEther(holder.claimable)} MESH${
        view.offering?.address === holder.address ? '  [offering escrow]' : ''
      }`,
    )
  const offering = view.offering
  if (!offering) {
    lines.push('offering: none')
    return lines
  }
  const price =
    offering.startPrice === offering.floorPrice
      ? `fixed price ${formatEther(offering.startPrice)} MESH a share`
      : `Dutch auction from ${formatEther(offering.startPrice)} to ${formatEther(offering.floorPrice)} MESH a share`
  lines.push(
    `offering: ${offering.address}, ${offering.state}`,
    `  ${price}, ${date(offering.start)} to ${date(offering.end)}, price now ${formatEther(offering.currentPrice)} MESH`,
    `  sold ${formatEther(offering.sold)} of ${formatEther(offering.sharesOffered)} shares, raised ${formatEther(offering.raised)} MESH of a minimum ${formatEther(offering.minRaise)} MESH`,
    `  royalty routed to the shares at ${offering.minRoyaltyBps} bps or more: ${offering.royaltyRouted ? 'yes' : 'no (buying is refused)'}`,
  )
  return lines
}
