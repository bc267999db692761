import { bytesToHex, type Hex, hexToBytes, isHex, stringToBytes } from 'viem'
import { BaseError } from './errors.js'

/** The fields of an on-chain job that its request bytes cover (as `JobRequested` and `getJob` give them). */
export type JobRequestFields = {
  /** The model id (32 bytes, any case; written in lowercase). */
  modelId: Hex
  /** The job's `input` verbatim: a canonical JSON array of chat messages, as text or as bytes. */
  input: string | Uint8Array | Hex
  /** Most output tokens (1 .. 4096). */
  maxTokens: number
  /** Temperature × 1000 (0 .. 2000). */
  temperatureMilli: number
  /** Sampling seed (0 .. 2^53 - 1). */
  seed: bigint | number
}

const maxSeed = 2n ** 53n - 1n

/**
 * The request bytes of an on-chain job, exactly as `JobCoordinator.requestBytes(jobId, input)` builds
 * them: the canonical JSON (RFC 8785)
 * `{"body":{"max_tokens":M,"messages":<input>,"model":"<modelId>","seed":S,"temperature":T},"kind":"chat"}`
 * with `input` verbatim, the model id in lowercase hex and T = temperatureMilli / 1000 written as
 * ECMAScript writes the number (0, 0.005, 0.7, 1, 1.25). Their keccak256 is the job's `requestHash`, the
 * `requestHash` its receipt carries, and the `request` a dispute over the receipt submits. When `input`
 * is canonical JSON, the same bytes are `canonicalJson({ body, kind: 'chat' })` (what `hashRequest` hashes).
 *
 * Throws a `BaseError` for a field out of the coordinator's bounds (it would never have accepted the job).
 *
 * @example
 * const bytes = jobRequestBytes({
 *   modelId: job.modelId,
 *   input: '[{"content":"Hi","role":"user"}]',
 *   maxTokens: 16,
 *   temperatureMilli: 700,
 *   seed: 42n,
 * })
 * keccak256(bytes) === job.requestHash
 */
export function jobRequestBytes(fields: JobRequestFields): Hex {
  const { modelId, maxTokens, temperatureMilli } = fields
  if (!isHex(modelId, { strict: true }) || modelId.length !== 66)
    throw new BaseError(`jobRequestBytes: the model id ${modelId} is not 32 bytes of hex.`)
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096)
    throw new BaseError(`jobRequestBytes: maxTokens ${maxTokens} must be a whole number from 1 to 4096.`)
  if (!Number.isInteger(temperatureMilli) || temperatureMilli < 0 || temperatureMilli > 2000)
    throw new BaseError(
      `jobRequestBytes: temperatureMilli ${temperatureMilli} must be a whole number from 0 to 2000 (temperature × 1000).`,
    )
  const seed =
    typeof fields.seed === 'bigint' ? fields.seed : Number.isInteger(fields.seed) ? BigInt(fields.seed) : -1n
  if (seed < 0n || seed > maxSeed)
    throw new BaseError(`jobRequestBytes: the seed ${fields.seed} must be a whole number from 0 to 2^53 - 1.`)
  const input =
    typeof fields.input === 'string'
      ? isHex(fields.input, { strict: true })
        ? hexToBytes(fields.input)
        : stringToBytes(fields.input)
      : fields.input
  if (input.length === 0) throw new BaseError('jobRequestBytes: the input is empty.')
  // temperatureMilli / 1000 is the double nearest to a decimal of at most 3 places, which the shortest
  // round-trip form (JSON.stringify) writes back as that decimal.
  const head = stringToBytes(`{"body":{"max_tokens":${maxTokens},"messages":`)
  const tail = stringToBytes(
    `,"model":"${modelId.toLowerCase()}","seed":${seed},"temperature":${JSON.stringify(temperatureMilli / 1000)}},"kind":"chat"}`,
  )
  const out = new Uint8Array(head.length + input.length + tail.length)
  out.set(head, 0)
  out.set(input, head.length)
  out.set(tail, head.length + input.length)
  return bytesToHex(out)
}
