import { formatEther } from 'viem'
import { formatDuration } from '../formatDuration.js'
import type { NetworkStatus } from './readNetworkStatus.js'

const mesh = (wei: bigint) => `${formatEther(wei)} MESH`
const short = (hex: string) => `${hex.slice(0, 10)}…`

/**
 * The network's status as lines for the terminal: the chain, the payer (deposit, pending withdrawal,
 * wallet), then each provider with its stake, offers and earnings (wallet, and paid per channel).
 */
export function formatNetworkStatus(
  status: NetworkStatus,
  context: { rpcUrl: string; source: string },
): string[] {
  const lines = [
    `chain      ${context.rpcUrl}, chain ${status.chainId}, block ${status.block} (${context.source})`,
  ]
  if (status.payer) {
    const { withdrawal } = status.payer
    const pending = withdrawal
      ? `${mesh(withdrawal.amount)} unlocking at ${new Date(Number(withdrawal.unlockAt) * 1000).toISOString()} (${withdrawal.unlockAt > status.time ? `in ${formatDuration(withdrawal.unlockAt - status.time)}` : 'unlocked: "infermesh withdraw --complete"'})`
      : 'none'
    lines.push(
      `payer      ${status.payer.address}`,
      `  deposit             ${mesh(status.payer.deposit)}`,
      `  pending withdrawal  ${pending}`,
      `  wallet              ${mesh(status.payer.wallet)}`,
    )
  }
  const active = status.providers.filter((p) => p.active).length
  lines.push(`providers  ${status.providers.length} registered, ${active} active`)
  for (const provider of status.providers) {
    lines.push(
      `  ${provider.address}  ${provider.active ? 'active' : 'inactive'}, ${provider.region}, ${provider.endpoint} (${provider.answers ? 'answers' : 'does not answer'})`,
      `    stake     ${mesh(provider.stake)}${provider.unbonding > 0n ? ` (+ ${mesh(provider.unbonding)} unbonding)` : ''}${provider.frozen > 0n ? `, frozen by ${provider.frozen} open dispute${provider.frozen === 1n ? '' : 's'}` : ''}`,
    )
    if (provider.offers.length === 0) lines.push('    offers    none')
    provider.offers.forEach((offer, i) => {
      lines.push(
        `    ${i === 0 ? 'offers   ' : '         '} ${offer.model ?? short(offer.modelId)} (${short(offer.modelId)}): ${formatEther(offer.pricePerMInput)} MESH per 1M input tokens, ${formatEther(offer.pricePerMOutput)} MESH per 1M output tokens`,
      )
    })
    if (provider.uptime)
      lines.push(
        `    uptime    ${(provider.uptime.score / 100).toFixed(0)}% last epoch (${provider.uptime.reports} reports), ${provider.uptime.active ? 'above the floor' : 'below the floor: not routed to'}`,
      )
    lines.push(`    earnings  wallet ${mesh(provider.balance)}`)
    for (const channel of provider.channels)
      lines.push(
        `              paid by ${channel.payer} for ${channel.model ?? short(channel.modelId)}: ${mesh(channel.paid)}`,
      )
  }
  const consensus = status.consensus
  if (consensus) {
    const { disputes } = consensus
    lines.push(
      `consensus  epoch ${consensus.epoch} (${formatDuration(consensus.epochLength)} each); disputes ${disputes.total} (${disputes.open} open, ${disputes.guilty} guilty, ${disputes.innocent} innocent, ${disputes.void} void); slashed ${mesh(consensus.totalSlashed)}`,
      `validators ${consensus.validators.length} registered, ${consensus.validators.filter((v) => v.active).length} active`,
    )
    for (const validator of consensus.validators)
      lines.push(
        `  ${validator.address}  ${validator.active ? 'active' : 'inactive'}, ${validator.endpoint} (${validator.answers ? 'answers' : 'does not answer'}), stake ${mesh(validator.stake)}, ${validator.models.length} model${validator.models.length === 1 ? '' : 's'}`,
      )
  }
  return lines
}
