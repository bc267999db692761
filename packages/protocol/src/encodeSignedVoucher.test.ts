import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { decodeSignedVoucher } from './decodeSignedVoucher.js'
import { encodeSignedVoucher } from './encodeSignedVoucher.js'
import { signVoucher } from './signVoucher.js'
import { anvilMnemonic } from './startAnvil.js'
import { verifyVoucher } from './verifyVoucher.js'

const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const provider = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const payments = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const voucher = {
  payer: payer.address,
  provider: provider.address,
  modelId: `0x${'ab'.repeat(32)}` as Hex,
  cumulativeAmount: 123_456_789_000_000_000_000n,
}

describe('encodeSignedVoucher', () => {
  it('round-trips through decodeSignedVoucher and the signature still verifies', async () => {
    const signature = await signVoucher({ account: payer, chainId: 31337, payments, voucher })
    const header = encodeSignedVoucher({ voucher, signature })
    assert.match(header, /^[A-Za-z0-9_-]+$/)
    const decoded = decodeSignedVoucher(header)
    assert.deepEqual(decoded, { voucher, signature })
    assert.equal(await verifyVoucher({ chainId: 31337, payments, ...decoded }), true)
  })

  it('writes canonical JSON with checksummed addresses, lowercase hex and decimal amounts', () => {
    const signature = `0x${'AB'.repeat(65)}` as Hex
    const header = encodeSignedVoucher({
      voucher: {
        ...voucher,
        payer: voucher.payer.toLowerCase() as Hex,
        modelId: voucher.modelId.toUpperCase().replace('0X', '0x') as Hex,
      },
      signature,
    })
    assert.equal(
      Buffer.from(header, 'base64url').toString('utf8'),
      `{"signature":"0x${'ab'.repeat(65)}","voucher":{"cumulativeAmount":"123456789000000000000",` +
        `"modelId":"0x${'ab'.repeat(32)}","payer":"${payer.address}","provider":"${provider.address}"}}`,
    )
  })

  it('gives the same header for the same voucher whatever the field order', () => {
    const signature = `0x${'11'.repeat(65)}` as Hex
    const reordered = {
      cumulativeAmount: voucher.cumulativeAmount,
      modelId: voucher.modelId,
      provider: voucher.provider,
      payer: voucher.payer,
    }
    assert.equal(
      encodeSignedVoucher({ signature, voucher: reordered }),
      encodeSignedVoucher({ voucher, signature }),
    )
  })

  it('refuses to encode what could not be decoded, naming the field', () => {
    const signature = `0x${'11'.repeat(65)}` as Hex
    assert.throws(() => encodeSignedVoucher({ voucher: { ...voucher, modelId: '0xabcd' }, signature }), {
      name: 'InferMeshProtocolError',
      message:
        'Cannot encode x-infermesh-voucher: voucher.modelId must be 32 bytes of hex (0x + 64 hex digits).',
    })
    assert.throws(() => encodeSignedVoucher({ voucher: { ...voucher, cumulativeAmount: -1n }, signature }), {
      message:
        'Cannot encode x-infermesh-voucher: voucher.cumulativeAmount must be a decimal string ' +
        'of a whole number, ' +
        'without leading zeros.',
    })
  })
})
