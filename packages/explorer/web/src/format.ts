const WEI = 10n ** 18n

/**
 * MESH wei (decimal string) as "1,234.56" MESH, rounded down to `digits` decimals; an amount below
 * one MESH that would read as zero gets more decimals (up to 8), so small earnings stay visible.
 */
export function mesh(wei: string | bigint, digits = 2): string {
  const value = BigInt(wei)
  const negative = value < 0n
  const abs = negative ? -value : value
  const whole = abs / WEI
  while (digits > 0 && digits < 8 && whole === 0n && abs > 0n && (abs * 10n ** BigInt(digits)) / WEI === 0n)
    digits++
  const scale = 10n ** BigInt(digits)
  const fraction = ((abs % WEI) * scale) / WEI
  const text = `${whole.toLocaleString('en-US')}${digits > 0 ? `.${fraction.toString().padStart(digits, '0')}` : ''}`
  return negative ? `-${text}` : text
}

/** MESH wei as a float of MESH (charts and sorting only). */
export const meshNumber = (wei: string | bigint) => Number(BigInt(wei) / 10n ** 12n) / 1e6

/** 0x1234…abcd */
export const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`

/** 24,576 MB as "24 GB". */
export function memory(mb: number): string {
  if (mb >= 1024 * 1024) return `${(mb / 1024 / 1024).toFixed(1)} TB`
  if (mb >= 1024) return `${Math.round(mb / 1024).toLocaleString('en-US')} GB`
  return `${mb} MB`
}

/** A time as "14:03:22" today, else "Nov 21 14:03". */
export function time(iso: string): string {
  const date = new Date(iso)
  const today = new Date().toDateString() === date.toDateString()
  return today
    ? date.toLocaleTimeString('en-GB')
    : date.toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** 0.9934 as "99.3%"; "–" when unknown. */
export const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`)

export const count = (value: number) => value.toLocaleString('en-US')
