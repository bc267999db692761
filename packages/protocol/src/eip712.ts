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
 * EIP-712 types of the receipt (v2) a provider signs for every request it served. Field order is part of
 * the protocol: the type string is
 * `Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,`
 * `address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,`
 * `uint256 cumulativeAmount)`.
 * Receipts use the same domain as vouchers (`paymentsDomain`).
 */
export const receiptTypes = {
  Receipt: [
    { name: 'requestHash', type: 'bytes32' },
    { name: 'responseHash', type: 'bytes32' },
    { name: 'tokensHash', type: 'bytes32' },
    { name: 'modelId', type: 'bytes32' },
    { name: 'payer', type: 'address' },
    { name: 'provider', type: 'address' },
    { name: 'inputTokens', type: 'uint64' },
    { name: 'outputTokens', type: 'uint64' },
    { name: 'servedAt', type: 'uint64' },
    { name: 'cost', type: 'uint256' },
    { name: 'cumulativeAmount', type: 'uint256' },
  ],
} as const

/**
 * The Payments contract's EIP-712 domain, version 2 (receipt v2). It carries the chain id and the
 * contract address, so a voucher or receipt signed for one deployment is worthless on any other.
 */
export function paymentsDomain(chainId: number, payments: Address): TypedDataDomain {
  return { name: 'InferMesh Payments', version: '2', chainId, verifyingContract: payments }
}
