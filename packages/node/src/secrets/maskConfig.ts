import { maskSecrets } from './maskSecrets.js'

const masked = '********'
const secretKey = /(private[-_]?key|api[-_]?key|password|secret|token|mnemonic|passphrase)$/i
// A 20-byte address is public by nature (the MESH contract is `contracts.token`): never masked.
const address = /^0x[0-9a-fA-F]{40}$/

/**
 * A resolved configuration as plain JSON for printing at start-up: bigints as decimal strings, every
 * field whose name says it is a secret masked (a private key keeps its first bytes, to tell keys
 * apart), and every other string through `maskSecrets` (RPC and database URLs).
 *
 * @example
 * console.log(JSON.stringify(maskConfig(config), null, 2))
 */
export function maskConfig(config: unknown): unknown {
  return mask(config, '')
}

function mask(value: unknown, key: string): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') {
    if (!secretKey.test(key) || address.test(value)) return maskSecrets(value)
    if (/private[-_]?key$/i.test(key) && value.length > 10) return `${value.slice(0, 6)}…${masked}`
    return masked
  }
  if (Array.isArray(value)) return value.map((item) => mask(item, key))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, mask(item, name)]))
  }
  return value
}
