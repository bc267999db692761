import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeSignedReceipt } from './decodeSignedReceipt.js'
import { BaseError } from './errors.js'

const valid = {
  receipt: {
    requestHash: `0x${'01'.repeat(32)}`,
    responseHash: `0x${'02'.repeat(32)}`,
    tokensHash: `0x${'04'.repeat(32)}`,
    modelId: `0x${'cd'.repeat(32)}`,
    payer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    provider: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    inputTokens: '12',
    outputTokens: '30',
    servedAt: '1767225600',
    cost: '7200000000000',
    cumulativeAmount: '9200000000000',
  },
  signature: `0x${'22'.repeat(65)}`,
}
const withReceipt = (fields: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ ...valid, receipt: { ...valid.receipt, ...fields } }), 'utf8').toString(
    'base64url',
  )

/** The message `decodeSignedReceipt` throws for `value`, asserting it is the package's BaseError. */
function messageFor(value: string): string {
  try {
    decodeSignedReceipt(value)
  } catch (error) {
    assert.ok(error instanceof BaseError)
    return error.message
  }
  assert.fail('decodeSignedReceipt accepted the header')
}

describe('decodeSignedReceipt', () => {
  it('returns bigints for every number and keeps the hashes', () => {
    const { receipt, signature } = decodeSignedReceipt(withReceipt({}))
    assert.deepEqual(receipt, {
      ...valid.receipt,
      inputTokens: 12n,
      outputTokens: 30n,
      servedAt: 1_767_225_600n,
      cost: 7_200_000_000_000n,
      cumulativeAmount: 9_200_000_000_000n,
    })
    assert.equal(signature, valid.signature)
  })

  it('says when the header is not base64url of JSON', () => {
    assert.equal(
      messageFor('not a receipt'),
      'Invalid x-infermesh-receipt header: it is not base64url (only A-Z, a-z, 0-9, - and _ are allowed).',
    )
    assert.equal(
      messageFor(Buffer.from('[1,').toString('base64url')),
      'Invalid x-infermesh-receipt header: it does not decode to JSON.',
    )
  })

  it('names each bad hash', () => {
    for (const field of ['requestHash', 'responseHash', 'tokensHash', 'modelId']) {
      assert.equal(
        messageFor(withReceipt({ [field]: '0x1234' })),
        `Invalid x-infermesh-receipt header: receipt.${field} must be 32 bytes of hex (0x + 64 hex digits).`,
      )
    }
  })

  it('names each bad address', () => {
    for (const field of ['payer', 'provider']) {
      assert.equal(
        messageFor(withReceipt({ [field]: 'alice' })),
        `Invalid x-infermesh-receipt header: receipt.${field} must be a 20-byte address ` +
          '(0x + 40 hex digits, with a valid EIP-55 checksum when mixed-case).',
      )
    }
  })

  it('names token counts beyond uint64 and amounts that are not decimal strings', () => {
    assert.equal(
      messageFor(withReceipt({ outputTokens: (2n ** 64n).toString() })),
      'Invalid x-infermesh-receipt header: receipt.outputTokens must be at most 2^64 - 1.',
    )
    assert.equal(
      messageFor(withReceipt({ cost: '0x10' })),
      'Invalid x-infermesh-receipt header: receipt.cost must be a decimal string of a whole number, ' +
        'without leading zeros.',
    )
    assert.equal(
      messageFor(withReceipt({ cumulativeAmount: null })),
      'Invalid x-infermesh-receipt header: receipt.cumulativeAmount must be a decimal string.',
    )
    assert.equal(
      messageFor(withReceipt({ inputTokens: undefined })),
      'Invalid x-infermesh-receipt header: receipt.inputTokens is required.',
    )
    assert.equal(
      messageFor(withReceipt({ servedAt: (2n ** 64n).toString() })),
      'Invalid x-infermesh-receipt header: receipt.servedAt must be at most 2^64 - 1.',
    )
  })

  it('refuses a version 1 receipt, which has no tokensHash and no servedAt', () => {
    const { tokensHash: _tokens, servedAt: _servedAt, ...v1 } = valid.receipt
    const header = Buffer.from(JSON.stringify({ ...valid, receipt: v1 })).toString('base64url')
    assert.equal(
      messageFor(header),
      'Invalid x-infermesh-receipt header: receipt.tokensHash is required; receipt.servedAt is required.',
    )
  })

  it('names a signature that is not 65 bytes of hex', () => {
    const header = Buffer.from(JSON.stringify({ ...valid, signature: 'signed' })).toString('base64url')
    assert.equal(
      messageFor(header),
      'Invalid x-infermesh-receipt header: signature must be a 65-byte signature (0x + 130 hex digits).',
    )
  })
})
