// Internal: the JSON shapes of signed messages in headers, shared by the encode and decode functions.
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { z } from 'zod'
import { canonicalJson } from './canonicalJson.js'
import { BaseError } from './errors.js'

/** Longest header value decoded; a signed receipt is at most about 1,100 characters. */
export const maxHeaderLength = 4096

const maxUint64 = 2n ** 64n - 1n
const maxUint256 = 2n ** 256n - 1n

/** zod's message for a wrong type, with "is required" when the field is absent. */
const expected = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`

const address = z
  .string({ error: expected('a 20-byte address string') })
  .refine((value) => isAddress(value), {
    error: 'must be a 20-byte address (0x + 40 hex digits, with a valid EIP-55 checksum when mixed-case)',
  })
  .transform((value) => getAddress(value) as Address)

const bytes32 = z
  .string({ error: expected('a 32-byte hex string') })
  .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'must be 32 bytes of hex (0x + 64 hex digits)' })
  .transform((value) => value.toLowerCase() as Hex)

const signature = z
  .string({ error: expected('a 65-byte signature hex string') })
  .regex(/^0x[0-9a-fA-F]{130}$/, { error: 'must be a 65-byte signature (0x + 130 hex digits)' })
  .transform((value) => value.toLowerCase() as Hex)

const uint = (bits: 64 | 256) =>
  z
    .string({ error: expected('a decimal string') })
    .regex(/^(0|[1-9][0-9]*)$/, {
      error: 'must be a decimal string of a whole number, without leading zeros',
    })
    .transform((value) => BigInt(value))
    .refine((value) => value <= (bits === 64 ? maxUint64 : maxUint256), {
      error: `must be at most 2^${bits} - 1`,
    })

const object = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.object(shape, { error: expected('a JSON object') })

export const signedVoucherSchema = object({
  voucher: object({
    payer: address,
    provider: address,
    modelId: bytes32,
    cumulativeAmount: uint(256),
  }),
  signature,
})

export const signedReceiptSchema = object({
  receipt: object({
    requestHash: bytes32,
    responseHash: bytes32,
    tokensHash: bytes32,
    modelId: bytes32,
    payer: address,
    provider: address,
    inputTokens: uint(64),
    outputTokens: uint(64),
    servedAt: uint(64),
    cost: uint(256),
    cumulativeAmount: uint(256),
  }),
  signature,
})

/** A copy of `value` with every bigint written as a decimal string. */
export function toWire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(toWire)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toWire(item)]))
  }
  return value
}

/** Validates a wire object with `schema`, throwing a BaseError that names every bad field. */
export function parseWire<Schema extends z.ZodType>(schema: Schema, value: unknown, context: string) {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data as z.output<Schema>
  const problems = parsed.error.issues.map((issue) =>
    issue.path.length === 0 ? `it ${issue.message}` : `${issue.path.join('.')} ${issue.message}`,
  )
  throw new BaseError(`${context}: ${problems.join('; ')}.`)
}

/** Validates, normalizes and encodes a signed message as base64url of canonical JSON. */
export function encodeWire(schema: z.ZodType, value: unknown, header: string): string {
  const normalized = parseWire(schema, toWire(value), `Cannot encode ${header}`)
  return Buffer.from(canonicalJson(toWire(normalized)), 'utf8').toString('base64url')
}

/** Decodes a header written by `encodeWire`, throwing a BaseError that says what is wrong with it. */
export function decodeWire<Schema extends z.ZodType>(schema: Schema, value: string, header: string) {
  const context = `Invalid ${header} header`
  if (value.length === 0) throw new BaseError(`${context}: it is empty.`)
  if (value.length > maxHeaderLength) {
    throw new BaseError(`${context}: it is longer than ${maxHeaderLength} characters.`)
  }
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BaseError(`${context}: it is not base64url (only A-Z, a-z, 0-9, - and _ are allowed).`)
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch (cause) {
    throw new BaseError(`${context}: it does not decode to JSON.`, { cause })
  }
  return parseWire(schema, json, context)
}
