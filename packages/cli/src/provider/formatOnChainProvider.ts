import { formatEther, type Hex } from 'viem'
import type { OnChainProvider } from './registerProvider.js'

/**
 * The provider as the Registry holds it, as lines for the terminal. `names` maps model ids to the
 * config's model names, so offers read `tiny  0x3b5f…`.
 */
export function formatOnChainProvider(
  provider: OnChainProvider,
  options: { names?: Map<Hex, string>; minStake?: bigint } = {},
): string[] {
  const { hardware } = provider
  const gpu =
    hardware.gpuCount > 0
      ? `${hardware.gpuCount} × ${hardware.gpuModel} (${hardware.vramMb} MiB VRAM)`
      : 'no GPU'
  const lines = [
    `provider      ${provider.provider}`,
    `active        ${provider.active ? 'yes' : 'no'}`,
    `stake         ${formatEther(provider.stake)} MESH${options.minStake !== undefined ? ` (minimum ${formatEther(options.minStake)} MESH)` : ''}`,
    `endpoint      ${provider.endpoint}`,
    `region        ${provider.region}`,
    `hardware      ${hardware.cpuCores} CPU cores, ${hardware.ramMb} MiB RAM, ${gpu}`,
  ]
  if (provider.offers.length === 0) lines.push('offers        none')
  provider.offers.forEach((offer, i) => {
    const name = options.names?.get(offer.modelId.toLowerCase() as Hex)
    lines.push(
      `${i === 0 ? 'offers' : ''}`.padEnd(14) +
        `${name ? `${name} ` : ''}${offer.modelId}: ${formatEther(offer.pricePerMInput)} MESH per 1M input tokens, ${formatEther(offer.pricePerMOutput)} MESH per 1M output tokens`,
    )
  })
  return lines
}
