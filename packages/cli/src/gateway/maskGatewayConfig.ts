import type { GatewayFileConfig } from './gatewayFileSchema.js'

const masked = '********'

/**
 * The resolved gateway configuration as plain JSON for printing at start-up: amounts as decimal
 * strings, and every secret masked: a clear-text payer key (its first bytes stay, to tell keys apart)
 * and a database password.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(maskGatewayConfig(config), null, 2))
 * ```
 */
export function maskGatewayConfig(config: GatewayFileConfig): unknown {
  const plain = JSON.parse(
    JSON.stringify(config, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
  )
  if ('privateKey' in config.payer)
    plain.payer.privateKey = `${config.payer.privateKey.slice(0, 6)}…${masked}`
  if (config.database.url) plain.database.url = maskUrlPassword(config.database.url)
  return plain
}

/** A database URL with its password masked. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = masked
    return parsed.toString()
  } catch {
    return masked
  }
}
