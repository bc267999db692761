import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import { type DevChain, decodeSignedVoucher, paymentsAbi, startDevChain } from '@infermesh/protocol'
import { createWalletClient, type Hex, http, parseEther } from 'viem'
import { createAllocator } from './createAllocator.js'
import { createPayer } from './createPayer.js'
import { createSqlPayerLedger } from './createSqlPayerLedger.js'
import type { PayerLedger } from './PayerLedger.js'

const modelId: Hex = `0x${'ab'.repeat(32)}`

describe('createAllocator on a real anvil', () => {
  let chain: DevChain
  let db: Database
  let ledger: PayerLedger
  const payerAccount = () => chain.account(1)
  const providers = () => [chain.account(2).address, chain.account(3).address, chain.account(4).address]
  const allocationOf = async (provider: Hex) =>
    (
      await chain.publicClient.readContract({
        address: chain.deployment.contracts.payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payerAccount().address, provider],
      })
    )[0]
  const allocator = () =>
    createAllocator({
      publicClient: chain.publicClient,
      walletClient: createWalletClient({
        account: payerAccount(),
        chain: chain.publicClient.chain,
        transport: http(chain.anvil.rpcUrl),
      }),
      payments: chain.deployment.contracts.payments,
      ledger,
      target: parseEther('10'),
      watermark: parseEther('2'),
      batchMs: 50,
    })
  before(async () => {
    chain = await startDevChain()
    await chain.fund(payerAccount().address, parseEther('100'))
    await chain.deposit(payerAccount(), parseEther('25'))
    db = await openDatabase()
    ledger = await createSqlPayerLedger(db)
  })
  after(async () => {
    await db?.close()
    await chain?.stop()
  })

  it('allocates lazily, several providers in one transaction, and stops at what the deposit holds', async () => {
    const subject = allocator()
    const before = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    const [a, b, c] = providers() as [Hex, Hex, Hex]
    const payable = await Promise.all([
      subject.canPay(a, parseEther('1')),
      subject.canPay(b, parseEther('1')),
      subject.canPay(c, parseEther('1')),
    ])
    // 25 MESH deposited, 11 asked per provider (target + this request): the two first in the batch are
    // covered, the last (whichever provider's reads finished last) gets the 3 left over, which covers
    // its 1 MESH request.
    assert.deepEqual(payable, [true, true, true])
    assert.equal(
      (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) - before,
      1n,
      'one allocate for three providers',
    )
    const allocations = await Promise.all([a, b, c].map((provider) => allocationOf(provider)))
    assert.deepEqual(
      [...allocations].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
      [parseEther('3'), parseEther('11'), parseEther('11')],
    )
    const cut = [a, b, c][allocations.indexOf(parseEther('3'))] as Hex
    // Nothing left to allocate: a request beyond what the cut provider's allocation holds is not payable.
    assert.equal(await subject.canPay(cut, parseEther('3')), false)
    subject.done(a, parseEther('1'))
    subject.done(b, parseEther('1'))
    subject.done(c, parseEther('1'))
  })

  it('counts billed work and abort allowance against the allocation, and redemptions change nothing', async () => {
    const subject = allocator()
    // The first test cut whichever provider's reads finished last to 3 MESH: take one it allocated 11 to.
    const full = await Promise.all(
      providers().map(async (provider) => (await allocationOf(provider)) === parseEther('11')),
    )
    const a = providers()[full.indexOf(true)] as Hex
    const payer = createPayer({
      account: payerAccount(),
      chainId: chain.deployment.chainId,
      payments: chain.deployment.contracts.payments,
      ledger,
    })
    await ledger.addBilled(a, modelId, parseEther('4'))
    await payer.addAbortAllowance(a, modelId, parseEther('1'))
    assert.equal(await subject.free(a), parseEther('6'))
    // The provider redeems 4: allocation 11 → 7, paid 0 → 4; what the payer may still owe is the same.
    const { voucher, signature } = decodeSignedVoucher(await payer.voucherHeader(a, modelId))
    await chain.send(chain.account(2), {
      address: chain.deployment.contracts.payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    assert.equal(await allocationOf(a), parseEther('7'))
    assert.equal(await allocator().free(a), parseEther('6'), 'a fresh read agrees after the redemption')
    assert.equal(await subject.free(a), parseEther('6'))
    // 5.5 in flight leaves 0.5 < the watermark: a top-up is asked for, but the deposit is empty.
    assert.equal(await subject.canPay(a, parseEther('5.5')), true)
    assert.equal(await subject.canPay(a, parseEther('1')), false, 'never beyond the allocation')
    await subject.idle()
  })
})
