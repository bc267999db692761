import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { decodeSignedReceipt } from './decodeSignedReceipt.js'
import { encodeSignedReceipt } from './encodeSignedReceipt.js'
import { hashRequest } from './hashRequest.js'
import { hashResponse } from './hashResponse.js'
import { hashTokenIds } from './hashTokenIds.js'
import type { Receipt } from './receipt.js'
import { signReceipt } from './signReceipt.js'
import { anvilMnemonic } from './startAnvil.js'
import { verifyReceipt } from './verifyReceipt.js'

const provider = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const payments = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const receipt: Receipt = {
  requestHash: hashRequest('chat', { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] }),
  responseHash: hashResponse('Hello!'),
  tokensHash: hashTokenIds([75, 104, 111, 111, 114, 4]),
  modelId: `0x${'cd'.repeat(32)}` as Hex,
  payer: payer.address,
  provider: provider.address,
  inputTokens: 12n,
  outputTokens: 2n ** 64n - 1n,
  servedAt: 2n ** 64n - 1n,
  cost: 7_200_000_000_000n,
  cumulativeAmount: 2n ** 256n - 1n,
}

describe('encodeSignedReceipt', () => {
  it('round-trips through decodeSignedReceipt and the signature still verifies', async () => {
    const signature = await signReceipt({ account: provider, chainId: 31337, payments, receipt })
    const header = encodeSignedReceipt({ receipt, signature })
    assert.match(header, /^[A-Za-z0-9_-]+$/)
    assert.ok(header.length < 1200, `a receipt header is ${header.length} characters`)
    const decoded = decodeSignedReceipt(header)
    assert.deepEqual(decoded, { receipt, signature })
    assert.equal(await verifyReceipt({ chainId: 31337, payments, ...decoded }), true)
  })

  it('writes canonical JSON with sorted keys and every number as a decimal string', () => {
    const signature = `0x${'22'.repeat(65)}` as Hex
    const json = Buffer.from(encodeSignedReceipt({ receipt, signature }), 'base64url').toString('utf8')
    assert.equal(
      json,
      '{"receipt":{' +
        `"cost":"7200000000000","cumulativeAmount":"${2n ** 256n - 1n}","inputTokens":"12",` +
        `"modelId":"${receipt.modelId}","outputTokens":"${2n ** 64n - 1n}","payer":"${payer.address}",` +
        `"provider":"${provider.address}","requestHash":"${receipt.requestHash}",` +
        `"responseHash":"${receipt.responseHash}","servedAt":"${2n ** 64n - 1n}",` +
        `"tokensHash":"${receipt.tokensHash}"},"signature":"${signature}"}`,
    )
  })

  it('refuses token counts that do not fit the uint64 of the signed type', () => {
    assert.throws(
      () =>
        encodeSignedReceipt({
          receipt: { ...receipt, inputTokens: 2n ** 64n },
          signature: `0x${'22'.repeat(65)}`,
        }),
      {
        name: 'InferMeshProtocolError',
        message: 'Cannot encode x-infermesh-receipt: receipt.inputTokens must be at most 2^64 - 1.',
      },
    )
  })
})
