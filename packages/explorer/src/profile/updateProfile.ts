import type { Database } from '@infermesh/node/database'
import { type Address, getAddress, isAddress, recoverTypedDataAddress } from 'viem'
import { z } from 'zod'
import { ExplorerError } from '../errors.js'
import { maxProfileLength, profileDomain, profileTypes } from './profileTypedData.js'

const bodySchema = z.strictObject({
  provider: z.string().refine((value) => isAddress(value), { error: 'must be a 20-byte 0x address' }),
  profile: z.string().max(maxProfileLength, { error: `must be at most ${maxProfileLength} characters` }),
  nonce: z.string().regex(/^\d{1,30}$/, { error: 'must be a decimal integer' }),
  deadline: z.string().regex(/^\d{1,20}$/, { error: 'must be a unix time in seconds' }),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, { error: 'must be a 65-byte 0x signature' }),
})

const refuse = (message: string, code: string, status = 400) =>
  new ExplorerError(message, { status, code, retryable: false })

/**
 * The explorer's only write: a provider's public profile text, accepted only with an EIP-712
 * signature by the provider's own key over (provider, profile, nonce, deadline), in the domain of this
 * chain and this deployment's Registry (`verifyingContract`). Replay protection:
 * the nonce must be the provider's next one, and is used up atomically; the deadline must not have
 * passed (and be at most a day away). The provider must be registered in the Registry.
 *
 * @throws ExplorerError (400 invalid_request / expired, 401 invalid_signature, 404 unknown_provider,
 * 409 nonce_used).
 */
export async function updateProfile(params: {
  db: Database
  chainId: number
  /** The deployment's Registry: the domain's `verifyingContract`. */
  registry: Address
  address: string
  body: unknown
}): Promise<{ provider: string; profile: string; nonce: string }> {
  const parsed = bodySchema.safeParse(params.body)
  if (!parsed.success)
    throw refuse(
      `Invalid profile update: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}.`,
      'invalid_request',
    )
  const body = parsed.data
  if (!isAddress(params.address) || getAddress(params.address) !== getAddress(body.provider))
    throw refuse('The signed provider is not the provider in the URL.', 'invalid_request')
  const provider = getAddress(body.provider)
  const deadline = BigInt(body.deadline)
  const now = BigInt(Math.floor(Date.now() / 1000))
  if (deadline < now)
    throw refuse('This signed update has expired (its deadline passed): sign a new one.', 'expired')
  if (deadline > now + 86_400n) throw refuse('The deadline is more than a day away.', 'invalid_request')
  let signer: string
  try {
    signer = await recoverTypedDataAddress({
      domain: profileDomain(params.chainId, params.registry),
      types: profileTypes,
      primaryType: 'ProfileUpdate',
      message: { provider, profile: body.profile, nonce: BigInt(body.nonce), deadline },
      signature: body.signature as `0x${string}`,
    })
  } catch {
    signer = ''
  }
  if (signer.toLowerCase() !== provider.toLowerCase())
    throw new ExplorerError(`The signature is not by ${provider}'s key.`, {
      status: 401,
      code: 'invalid_signature',
      type: 'authentication_error',
      retryable: false,
    })
  const key = provider.toLowerCase()
  return params.db.transaction(async (tx) => {
    const [known] = await tx.query('select 1 from providers where address = $1', [key])
    if (!known) throw refuse(`${provider} is not a provider in the Registry.`, 'unknown_provider', 404)
    await tx.query('insert into profiles (provider) values ($1) on conflict do nothing', [key])
    const updated = await tx.query<{ nonce: string }>(
      `update profiles set text = $2, nonce = nonce + 1, updated_at = now() where provider = $1 and nonce = $3
       returning nonce::text`,
      [key, body.profile, body.nonce],
    )
    if (updated.length === 0) {
      const [row] = await tx.query<{ nonce: string }>(
        'select nonce::text from profiles where provider = $1',
        [key],
      )
      throw refuse(
        `Nonce ${body.nonce} is not ${provider}'s next one (${row?.nonce ?? 0}): this update was already used, or is out of order.`,
        'nonce_used',
        409,
      )
    }
    return { provider: key, profile: body.profile, nonce: (updated[0] as { nonce: string }).nonce }
  })
}
