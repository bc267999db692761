import { type Address, encodeAbiParameters, type Hex, keccak256, type LocalAccount } from 'viem'

/** What a vote's salt is derived for: one round of one dispute of one deployment. */
export type VoteSaltParameters = {
  account: LocalAccount
  chainId: number
  disputes: Address
  id: bigint
  round: number
}

/**
 * The salt of this validator's commit–reveal vote in one round of one dispute: secret (only the key's
 * holder can compute it), the same every time it is computed (so it is never stored: a validator
 * restarted between its commit and its reveal computes it again), and different for every round,
 * dispute and deployment.
 *
 * It is keccak256 of the account's signature (RFC 6979: deterministic) of
 * `keccak256(abi.encode("InferMesh vote salt", chainId, disputes, id, round))` as an EIP-191 message.
 * The shared spec wrote `keccak256(abi.encode(privateKey, id, round))`: the daemon holds a viem
 * `LocalAccount` (keystore, HD or raw key) that does not expose its private key, and that formula gives
 * the same salt for the same dispute id on every deployment (a reveal on one devnet would reveal the
 * commitment of the same vote on another). The contract only checks
 * `commitment == keccak256(abi.encode(id, round, member, guilty, salt))`, whatever the salt.
 *
 * @example
 * const salt = await voteSalt({ account, chainId, disputes, id: 3n, round: 1 })
 */
export async function voteSalt(params: VoteSaltParameters): Promise<Hex> {
  const preimage = keccak256(
    encodeAbiParameters(
      [{ type: 'string' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint8' }],
      ['InferMesh vote salt', BigInt(params.chainId), params.disputes, params.id, params.round],
    ),
  )
  const signature = await params.account.signMessage({ message: { raw: preimage } })
  return keccak256(signature)
}
