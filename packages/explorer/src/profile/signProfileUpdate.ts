import type { Address, LocalAccount } from 'viem'
import { profileDomain, profileTypes } from './profileTypedData.js'

/** The JSON body of `POST /api/providers/:address/profile`. */
export type ProfileUpdateBody = {
  provider: Address
  profile: string
  nonce: string
  deadline: string
  signature: `0x${string}`
}

/**
 * Signs a profile update with the provider's key (EIP-712, domain "InferMesh Explorer" v1, the chain id
 * and the deployment's Registry as `verifyingContract`) and returns the body to POST. `nonce` is the provider's next nonce (`profileNonce` of
 * `GET /api/providers/:address`); `deadline` a unix time in seconds (default: in 10 minutes).
 *
 * @example
 * const body = await signProfileUpdate({ account, chainId: 31337, registry, profile: 'GPUs in Lyon', nonce: 0n })
 * await fetch(`${explorer}/api/providers/${account.address}/profile`, { method: 'POST', body: JSON.stringify(body) })
 */
export async function signProfileUpdate(params: {
  account: LocalAccount
  chainId: number
  /** The deployment's Registry (the explorer's `/api/status` `contracts.registry`). */
  registry: Address
  profile: string
  nonce: bigint
  deadline?: bigint
}): Promise<ProfileUpdateBody> {
  const deadline = params.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 600)
  const message = { provider: params.account.address, profile: params.profile, nonce: params.nonce, deadline }
  const signature = await params.account.signTypedData({
    domain: profileDomain(params.chainId, params.registry),
    types: profileTypes,
    primaryType: 'ProfileUpdate',
    message,
  })
  return {
    provider: params.account.address,
    profile: params.profile,
    nonce: params.nonce.toString(),
    deadline: deadline.toString(),
    signature,
  }
}
