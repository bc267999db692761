import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Address, type Hex, hashTypedData, recoverAddress } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { paymentsDomain, receiptTypes } from './eip712.js'
import type { Receipt } from './receipt.js'
import { signReceipt } from './signReceipt.js'
import { anvilMnemonic } from './startAnvil.js'

const provider = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const payments: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
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

describe('signReceipt', () => {
  it("signs the receipt's EIP-712 digest in the Payments domain with the provider's key", async () => {
    const signature = await signReceipt({ account: provider, chainId: 31337, payments, receipt })
    assert.match(signature, /^0x[0-9a-f]{130}$/)
    const digest = hashTypedData({
      domain: paymentsDomain(31337, payments),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
    })
    assert.equal(await recoverAddress({ hash: digest, signature }), provider.address)
  })

  it('gives the same signature for the same receipt (RFC 6979 deterministic)', async () => {
    const params = { account: provider, chainId: 31337, payments, receipt }
    assert.equal(await signReceipt(params), await signReceipt(params))
  })

  it("refuses to sign with a key that is not the receipt's provider", async () => {
    await assert.rejects(signReceipt({ account: payer, chainId: 31337, payments, receipt }), {
      name: 'InferMeshProtocolError',
      message: `Cannot sign a receipt for provider ${provider.address} with the key of ${payer.address}.`,
    })
  })
})
