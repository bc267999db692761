import type { ProviderConfig } from '@infermesh/protocol'

const masked = '********'

/**
 * The resolved configuration as plain JSON for printing at start-up: amounts as decimal strings and
 * every secret masked — a clear-text dev key (its first bytes stay, to tell keys apart), the upstream
 * API key and a database password.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(maskProviderConfig(config), null, 2))
 * ```
 */
export function maskProviderConfig(config: ProviderConfig): unknown {
  const plain = JSON.parse(
    JSON.stringify(config, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
  )
  if ('privateKey' in config.keystore)
    plain.keystore.privateKey = `${config.keystore.privateKey.slice(0, 6)}…${masked}`
  if (config.backend.kind === 'openai-compatible' && config.backend.apiKey) plain.backend.apiKey = masked
  if (config.database.url) plain.database.url = maskUrlPassword(config.database.url)
  return plain
}

function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = masked
    return parsed.toString()
  } catch {
    return masked
  }
}
