import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeSignedVoucher } from './decodeSignedVoucher.js'
import { BaseError } from './errors.js'

const valid = {
  voucher: {
    payer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    provider: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    modelId: `0x${'ab'.repeat(32)}`,
    cumulativeAmount: '1000',
  },
  signature: `0x${'11'.repeat(65)}`,
}
const header = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
const withVoucher = (fields: Record<string, unknown>) =>
  header({ ...valid, voucher: { ...valid.voucher, ...fields } })

/** The message `decodeSignedVoucher` throws for `value`, asserting it is the package's BaseError. */
function messageFor(value: string): string {
  try {
    decodeSignedVoucher(value)
  } catch (error) {
    assert.ok(error instanceof BaseError)
    return error.message
  }
  assert.fail('decodeSignedVoucher accepted the header')
}

describe('decodeSignedVoucher', () => {
  it('accepts lowercase addresses and uppercase hex and normalizes them', () => {
    const decoded = decodeSignedVoucher(
      withVoucher({ payer: valid.voucher.payer.toLowerCase(), modelId: `0x${'AB'.repeat(32)}` }),
    )
    assert.deepEqual(decoded.voucher, { ...valid.voucher, cumulativeAmount: 1000n })
  })

  it('says when the header is empty, too long, not base64url or not JSON', () => {
    assert.equal(messageFor(''), 'Invalid x-infermesh-voucher header: it is empty.')
    assert.equal(
      messageFor('A'.repeat(4097)),
      'Invalid x-infermesh-voucher header: it is longer than 4096 characters.',
    )
    assert.equal(
      messageFor('eyJ2b3VjaGVyIjp7fX0='),
      'Invalid x-infermesh-voucher header: it is not base64url (only A-Z, a-z, 0-9, - and _ are allowed).',
    )
    assert.equal(
      messageFor(Buffer.from('{"voucher":').toString('base64url')),
      'Invalid x-infermesh-voucher header: it does not decode to JSON.',
    )
  })

  it('says when the JSON is not an object or the voucher is missing', () => {
    assert.equal(messageFor(header([])), 'Invalid x-infermesh-voucher header: it must be a JSON object.')
    assert.equal(
      messageFor(header({ signature: valid.signature })),
      'Invalid x-infermesh-voucher header: voucher is required.',
    )
  })

  it('names a bad or missing address', () => {
    assert.equal(
      messageFor(withVoucher({ payer: '0x1234' })),
      'Invalid x-infermesh-voucher header: voucher.payer must be a 20-byte address ' +
        '(0x + 40 hex digits, with a valid EIP-55 checksum when mixed-case).',
    )
    // One letter's case flipped: the checksum no longer matches.
    assert.equal(
      messageFor(withVoucher({ provider: '0x70997970c51812dc3A010C7d01b50e0d17dc79C8' })),
      'Invalid x-infermesh-voucher header: voucher.provider must be a 20-byte address ' +
        '(0x + 40 hex digits, with a valid EIP-55 checksum when mixed-case).',
    )
    assert.equal(
      messageFor(withVoucher({ provider: undefined })),
      'Invalid x-infermesh-voucher header: voucher.provider is required.',
    )
  })

  it('names a model id that is not 32 bytes', () => {
    assert.equal(
      messageFor(withVoucher({ modelId: `0x${'ab'.repeat(31)}` })),
      'Invalid x-infermesh-voucher header: voucher.modelId must be 32 bytes of hex (0x + 64 hex digits).',
    )
  })

  it('names an amount that is not a canonical decimal string of a uint256', () => {
    const notDecimal =
      'Invalid x-infermesh-voucher header: voucher.cumulativeAmount must be a decimal string of a whole ' +
      'number, without leading zeros.'
    assert.equal(messageFor(withVoucher({ cumulativeAmount: '12.5' })), notDecimal)
    assert.equal(messageFor(withVoucher({ cumulativeAmount: '-1' })), notDecimal)
    assert.equal(messageFor(withVoucher({ cumulativeAmount: '007' })), notDecimal)
    assert.equal(
      messageFor(withVoucher({ cumulativeAmount: 1000 })),
      'Invalid x-infermesh-voucher header: voucher.cumulativeAmount must be a decimal string.',
    )
    assert.equal(
      messageFor(withVoucher({ cumulativeAmount: (2n ** 256n).toString() })),
      'Invalid x-infermesh-voucher header: voucher.cumulativeAmount must be at most 2^256 - 1.',
    )
  })

  it('names a signature that is not 65 bytes', () => {
    assert.equal(
      messageFor(header({ ...valid, signature: `0x${'11'.repeat(64)}` })),
      'Invalid x-infermesh-voucher header: signature must be a 65-byte signature (0x + 130 hex digits).',
    )
  })

  it('lists every bad field at once', () => {
    assert.equal(
      messageFor(header({ voucher: { ...valid.voucher, modelId: 'x', cumulativeAmount: 'y' } })),
      'Invalid x-infermesh-voucher header: voucher.modelId must be 32 bytes of hex (0x + 64 hex digits); ' +
        'voucher.cumulativeAmount must be a decimal string of a whole number, without leading zeros; ' +
        'signature is required.',
    )
  })
})
