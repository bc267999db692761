import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import {
  anvilMnemonic,
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashResponse,
  type Receipt,
  signReceipt,
} from '@infermesh/protocol'
import type { Address, Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { createPayer } from './createPayer.js'
import { createSqlPayerLedger } from './createSqlPayerLedger.js'
import type { PayerLedger } from './PayerLedger.js'

const chainId = 31337
const payments: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const modelId: Hex = `0x${'ab'.repeat(32)}`
const payerAccount = mnemonicToAccount(anvilMnemonic, { addressIndex: 1 })
const providerAccount = mnemonicToAccount(anvilMnemonic, { addressIndex: 2 })
const offer = {
  provider: providerAccount.address,
  modelId,
  pricePerMInput: 10n ** 9n,
  pricePerMOutput: 10n ** 9n,
}
// The payer compares the receipt's request hash with the one it sent: any fixed value serves here.
const requestHash: Hex = `0x${'12'.repeat(32)}`
const bounds = { maxInputTokens: 100n, maxOutputTokens: 10n }

/** The `index`-th receipt of a burst on the channel, signed by the provider. */
async function receipt(index: number) {
  const cost = computeCost({ inputTokens: 10n, outputTokens: BigInt(1 + (index % 10)), ...offer })
  const receipt = {
    requestHash,
    responseHash: hashResponse('ok'),
    tokensHash: `0x${'00'.repeat(32)}`,
    modelId,
    payer: payerAccount.address,
    provider: providerAccount.address,
    inputTokens: 10n,
    outputTokens: BigInt(1 + (index % 10)),
    servedAt: BigInt(Math.floor(Date.now() / 1000)),
    cost,
    cumulativeAmount: cost,
  } as Receipt
  const signature = await signReceipt({ account: providerAccount, chainId, payments, receipt })
  return { cost, outputTokens: receipt.outputTokens, encoded: encodeSignedReceipt({ receipt, signature }) }
}

describe('createPayer under a burst of receipts on one channel', () => {
  let db: Database
  let ledger: PayerLedger
  before(async () => {
    db = await openDatabase()
    ledger = await createSqlPayerLedger(db)
  })
  after(() => db?.close())

  it('bills every receipt exactly, in a few ledger writes, each in the ledger before acceptReceipt returns', async () => {
    let writes = 0
    const counted: PayerLedger = {
      ...ledger,
      addBilled: (provider, model, cost) => {
        writes++
        return ledger.addBilled(provider, model, cost)
      },
    }
    const payer = createPayer({ account: payerAccount, chainId, payments, ledger: counted })
    const receipts = await Promise.all(Array.from({ length: 30 }, (_, i) => receipt(i)))
    const total = receipts.reduce((sum, r) => sum + r.cost, 0n)
    const billedWhenReturned = await Promise.all(
      receipts.map(async ({ encoded, cost, outputTokens }) => {
        await payer.acceptReceipt(encoded, {
          offer,
          requestHash,
          responseHash: hashResponse('ok'),
          bounds,
          usage: { inputTokens: 10n, outputTokens },
        })
        return { cost, billed: await ledger.billed(offer.provider, modelId) }
      }),
    )
    assert.equal(await ledger.billed(offer.provider, modelId), total)
    for (const { cost, billed } of billedWhenReturned) assert.ok(billed >= cost)
    assert.ok(writes < receipts.length / 2, `${writes} ledger writes for ${receipts.length} receipts`)
    const { voucher } = decodeSignedVoucher(await payer.voucherHeader(offer.provider, modelId))
    assert.equal(voucher.cumulativeAmount, total)

    // One at a time, each receipt is its own write, and the totals stay exact.
    const before = writes
    for (const { encoded, outputTokens } of receipts.slice(0, 3))
      await payer.acceptReceipt(encoded, {
        offer,
        requestHash,
        bounds,
        usage: { inputTokens: 10n, outputTokens },
      })
    assert.equal(writes - before, 3)
    const three = receipts.slice(0, 3).reduce((sum, r) => sum + r.cost, 0n)
    assert.equal(await ledger.billed(offer.provider, modelId), total + three)
  })
})
