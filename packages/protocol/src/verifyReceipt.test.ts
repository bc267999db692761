import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import type { Receipt } from './receipt.js'
import { signReceipt } from './signReceipt.js'
import { anvilMnemonic } from './startAnvil.js'
import { verifyReceipt } from './verifyReceipt.js'

const provider = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const payments = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const chainId = 31337
const receipt: Receipt = {
  requestHash: `0x${'01'.repeat(32)}`,
  responseHash: `0x${'02'.repeat(32)}`,
  tokensHash: `0x${'04'.repeat(32)}`,
  modelId: `0x${'cd'.repeat(32)}` as Hex,
  payer: payer.address,
  provider: provider.address,
  inputTokens: 12n,
  outputTokens: 30n,
  servedAt: 1_767_225_600n,
  cost: 7_200_000_000_000n,
  cumulativeAmount: 9_200_000_000_000n,
}

describe('verifyReceipt', () => {
  it("accepts the provider's signature of the receipt", async () => {
    const signature = await signReceipt({ account: provider, chainId, payments, receipt })
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature }), true)
  })

  it('rejects the signature once any field of the receipt is changed', async () => {
    const signature = await signReceipt({ account: provider, chainId, payments, receipt })
    const tampered: Record<keyof Receipt, Partial<Receipt>> = {
      requestHash: { requestHash: `0x${'03'.repeat(32)}` },
      responseHash: { responseHash: `0x${'03'.repeat(32)}` },
      tokensHash: { tokensHash: `0x${'00'.repeat(32)}` },
      modelId: { modelId: `0x${'ce'.repeat(32)}` },
      payer: { payer: mnemonicToAccount(anvilMnemonic, { addressIndex: 3 }).address },
      provider: { provider: payer.address },
      inputTokens: { inputTokens: 11n },
      outputTokens: { outputTokens: 31n },
      servedAt: { servedAt: 1_767_225_601n },
      cost: { cost: 7_200_000_000_001n },
      cumulativeAmount: { cumulativeAmount: 9_100_000_000_000n },
    }
    for (const [field, change] of Object.entries(tampered)) {
      const changed = { ...receipt, ...change }
      assert.equal(await verifyReceipt({ chainId, payments, receipt: changed, signature }), false, field)
    }
  })

  it('rejects a receipt signed for another chain or another Payments contract', async () => {
    const otherChain = await signReceipt({ account: provider, chainId: 1, payments, receipt })
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature: otherChain }), false)
    const otherContract = await signReceipt({ account: provider, chainId, payments: payer.address, receipt })
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature: otherContract }), false)
  })

  it('rejects a receipt signed by someone other than its provider, and a malformed signature', async () => {
    const forged = await payer.signTypedData({
      domain: { name: 'InferMesh Payments', version: '2', chainId, verifyingContract: payments },
      types: {
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
      },
      primaryType: 'Receipt',
      message: receipt,
    })
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature: forged }), false)
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature: '0x1234' }), false)
  })

  it('rejects a version 1 receipt: the fields of v1, signed by the provider in the version 1 domain', async () => {
    const { tokensHash: _tokens, servedAt: _servedAt, ...v1 } = receipt
    const v1Signature = await provider.signTypedData({
      domain: { name: 'InferMesh Payments', version: '1', chainId, verifyingContract: payments },
      types: {
        Receipt: [
          { name: 'requestHash', type: 'bytes32' },
          { name: 'responseHash', type: 'bytes32' },
          { name: 'modelId', type: 'bytes32' },
          { name: 'payer', type: 'address' },
          { name: 'provider', type: 'address' },
          { name: 'inputTokens', type: 'uint64' },
          { name: 'outputTokens', type: 'uint64' },
          { name: 'cost', type: 'uint256' },
          { name: 'cumulativeAmount', type: 'uint256' },
        ],
      },
      primaryType: 'Receipt',
      message: v1,
    })
    assert.equal(await verifyReceipt({ chainId, payments, receipt, signature: v1Signature }), false)
  })
})
