import type { Address } from 'viem'

/** The longest profile text a provider may publish, in characters. */
export const maxProfileLength = 500

/** EIP-712 types of a provider's profile update (the explorer's only write). */
export const profileTypes = {
  ProfileUpdate: [
    { name: 'provider', type: 'address' },
    { name: 'profile', type: 'string' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
} as const

/**
 * The EIP-712 domain of explorer writes: ("InferMesh Explorer", "1", chainId, verifyingContract = the
 * deployment's Registry). The Registry address ties a signed update to one deployment: it cannot be
 * replayed to an explorer of another deployment on the same chain.
 */
export const profileDomain = (chainId: number, registry: Address) =>
  ({ name: 'InferMesh Explorer', version: '1', chainId, verifyingContract: registry }) as const
