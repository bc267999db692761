import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem'

/**
 * The commitment `Disputes.commitVote` takes: `keccak256(abi.encode(id, round, member, guilty, salt))`
 * (the contract's `voteCommitment` view computes the same).
 *
 * @example
 * const commitment = voteCommitment({ id, round, member: me, guilty: true, salt })
 */
export function voteCommitment(params: {
  id: bigint
  round: number
  member: Address
  guilty: boolean
  salt: Hex
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'uint8' }, { type: 'address' }, { type: 'bool' }, { type: 'bytes32' }],
      [params.id, params.round, params.member, params.guilty, params.salt],
    ),
  )
}
