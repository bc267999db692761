import type { Address, TypedDataDomain } from 'viem'

/** EIP-712 types of the messages InferMesh signs. Field order is part of the protocol. */
export const voucherTypes = {
  Voucher: [
    { name: 'payer', type: 'address' },
    { name: 'provider', type: 'address' },
    { name: 'modelId', type: 'bytes32' },
    { name: 'cumulativeAmount', type: 'uint256' },
  ],
} as const

/**
 * The Payments contract's EIP-712 domain. It carries the chain id and the contract address, so a
 * voucher signed for one deployment is worthless on any other.
 */
export function paymentsDomain(chainId: number, payments: Address): TypedDataDomain {
  return { name: 'InferMesh Payments', version: '1', chainId, verifyingContract: payments }
}
