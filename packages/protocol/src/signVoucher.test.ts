import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { paymentsDomain, voucherTypes } from './eip712.js'
import { signVoucher } from './signVoucher.js'
import { anvilMnemonic } from './startAnvil.js'
import { verifyVoucher } from './verifyVoucher.js'

const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const payments = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const chainId = 31337

describe('signVoucher', () => {
  it("signs the digest: the same signature as the account's signTypedData, for every cumulative and deployment", async () => {
    for (const [index, cumulativeAmount] of [0n, 1n, 10n ** 18n, 2n ** 256n - 1n].entries()) {
      const deployment = { chainId: chainId + index, payments: index % 2 ? payments : payer.address }
      const voucher = {
        payer: payer.address,
        provider: payments as Hex,
        modelId: `0x${'cd'.repeat(32)}` as Hex,
        cumulativeAmount,
      }
      const signature = await signVoucher({ account: payer, ...deployment, voucher })
      assert.equal(
        signature,
        await payer.signTypedData({
          domain: paymentsDomain(deployment.chainId, deployment.payments),
          types: voucherTypes,
          primaryType: 'Voucher',
          message: voucher,
        }),
      )
      assert.equal(await verifyVoucher({ ...deployment, voucher, signature }), true)
    }
  })

  it('signs typed data with an account that cannot sign digests', async () => {
    const { sign: _, ...typedOnly } = privateKeyToAccount(`0x${'11'.repeat(32)}`)
    const voucher = {
      payer: typedOnly.address,
      provider: payments as Hex,
      modelId: `0x${'ab'.repeat(32)}` as Hex,
      cumulativeAmount: 5n,
    }
    const signature = await signVoucher({ account: typedOnly, chainId, payments, voucher })
    assert.equal(await verifyVoucher({ chainId, payments, voucher, signature }), true)
  })
})
