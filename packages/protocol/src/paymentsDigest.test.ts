import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Address, type Hex, hashTypedData } from 'viem'
import { paymentsDomain, receiptTypes, voucherTypes } from './eip712.js'
import { paymentsDigest } from './paymentsDigest.js'
import type { Receipt } from './receipt.js'

const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address
const provider = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const deployments: [number, Address][] = [
  [31337, '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9'],
  [8453, '0x5FbDB2315678afecb367f032d93F642f64180aa3'],
]

describe('paymentsDigest', () => {
  it("is viem's hashTypedData of vouchers and receipts, per deployment, whichever is asked first", () => {
    for (const [chainId, payments] of [...deployments, ...deployments]) {
      const domain = paymentsDomain(chainId, payments)
      const voucher = { payer, provider, modelId: hash(7), cumulativeAmount: BigInt(chainId) * 10n ** 15n }
      const receipt: Receipt = {
        requestHash: hash(1),
        responseHash: hash(2),
        tokensHash: hash(3),
        modelId: hash(7),
        payer,
        provider,
        inputTokens: 12n,
        outputTokens: 34n,
        servedAt: 1_790_000_000n,
        cost: 56n,
        cumulativeAmount: 78n,
      }
      assert.equal(
        paymentsDigest(chainId, payments, 'Receipt', receipt),
        hashTypedData({ domain, types: receiptTypes, primaryType: 'Receipt', message: receipt }),
      )
      assert.equal(
        paymentsDigest(chainId, payments, 'Voucher', voucher),
        hashTypedData({ domain, types: voucherTypes, primaryType: 'Voucher', message: voucher }),
      )
    }
  })

  it('throws on a malformed field', () => {
    const [chainId, payments] = deployments[0] as [number, Address]
    assert.throws(() =>
      paymentsDigest(chainId, payments, 'Voucher', {
        payer: 'nope' as Address,
        provider,
        modelId: hash(7),
        cumulativeAmount: 1n,
      }),
    )
  })
})
