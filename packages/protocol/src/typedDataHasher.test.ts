import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { type Hex, hashTypedData, toHex } from 'viem'
import { paymentsDomain, receiptTypes, voucherTypes } from './eip712.js'
import { typedDataHasher } from './typedDataHasher.js'

const payments: Hex = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const hex = (bytes: number) => toHex(randomBytes(bytes))
const address = () => hex(20)
const uint = (bits: number) => BigInt(hex(Math.ceil(bits / 8))) >> BigInt((8 - (bits % 8)) % 8)

/** A receipt with random values for whatever fields receiptTypes has (uints within their bits). */
function randomMessage(fields: readonly { name: string; type: string }[]): Record<string, unknown> {
  const message: Record<string, unknown> = {}
  for (const { name, type } of fields) {
    if (type === 'address') message[name] = address()
    else if (type === 'bytes32') message[name] = hex(32)
    else if (type.startsWith('uint')) message[name] = uint(Number(type.slice(4)))
    else throw new Error(`no random value for ${type}`)
  }
  return message
}

describe('typedDataHasher', () => {
  it("gives viem's hashTypedData digest for random vouchers and receipts in random domains", () => {
    for (let i = 0; i < 200; i++) {
      const domain = paymentsDomain(1 + (i % 3) * 31336, i % 2 ? payments : address())
      for (const [types, primaryType] of [
        [voucherTypes, 'Voucher'],
        [receiptTypes, 'Receipt'],
      ] as const) {
        const message = randomMessage(types[primaryType as keyof typeof types] as never)
        const digest = typedDataHasher({ domain, types, primaryType: primaryType as never })(message)
        assert.equal(digest, hashTypedData({ domain, types, primaryType, message } as never))
      }
    }
  })

  it('hashes the extremes of each uint and upper-case or checksummed addresses like viem', () => {
    const domain = paymentsDomain(31337, payments)
    const digestOf = typedDataHasher({ domain, types: voucherTypes, primaryType: 'Voucher' })
    for (const cumulativeAmount of [0n, 1n, 2n ** 255n, 2n ** 256n - 1n]) {
      const voucher = {
        payer: payments,
        provider: payments.toLowerCase() as Hex,
        modelId: hex(32),
        cumulativeAmount,
      }
      assert.equal(
        digestOf(voucher),
        hashTypedData({ domain, types: voucherTypes, primaryType: 'Voucher', message: voucher }),
      )
    }
  })

  it('throws, as viem does, for out-of-range integers, short hashes, bad addresses and missing fields', () => {
    const domain = paymentsDomain(31337, payments)
    const digestOf = typedDataHasher({ domain, types: voucherTypes, primaryType: 'Voucher' })
    const good = { payer: payments, provider: payments, modelId: hex(32), cumulativeAmount: 1n }
    const bad: Record<string, unknown>[] = [
      { ...good, cumulativeAmount: -1n },
      { ...good, cumulativeAmount: 2n ** 256n },
      { ...good, cumulativeAmount: 1.5 },
      { ...good, modelId: hex(31) },
      { ...good, payer: `${payments}00` },
      { ...good, payer: 'nobody' },
      { payer: good.payer, provider: good.provider, modelId: good.modelId },
    ]
    for (const message of bad) {
      assert.throws(
        () => digestOf(message),
        TypeError,
        JSON.stringify(message, (_, v) => String(v)),
      )
      assert.throws(() =>
        hashTypedData({ domain, types: voucherTypes, primaryType: 'Voucher', message } as never),
      )
    }
    // Stricter than viem, which encodes a numeric string and hashes a bytes32 of non-hex characters.
    assert.throws(() => digestOf({ ...good, cumulativeAmount: '1' }), TypeError)
    assert.throws(() => digestOf({ ...good, modelId: `${hex(31)}zz` }), TypeError)
    // Receipts' uint64 token counts: 2^64 is one too many.
    const receiptDigest = typedDataHasher({ domain, types: receiptTypes, primaryType: 'Receipt' })
    const receipt = randomMessage(receiptTypes.Receipt)
    assert.throws(() => receiptDigest({ ...receipt, outputTokens: 2n ** 64n }), TypeError)
  })

  it('refuses structs it cannot hash flat (arrays, nested structs) when it is created', () => {
    assert.throws(
      () =>
        typedDataHasher({
          domain: paymentsDomain(1, payments),
          types: { Batch: [{ name: 'amounts', type: 'uint256[]' }] },
          primaryType: 'Batch',
        }),
      /flat structs only/,
    )
  })
})
