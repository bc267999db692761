import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chat } from '@infermesh/client'
import { createSampleFees, createSampler } from '@infermesh/gateway'
import { type Database, openDatabase } from '@infermesh/node/database'
import { createPayer, createSqlPayerLedger, type Payer, requestBounds } from '@infermesh/payments'
import {
  connect,
  type DevContractCall,
  decodeSignedReceipt,
  decodeSignedVoucher,
  encodeSignedVoucher,
  hashReceipt,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  paymentsAbi,
  type SampleBody,
  signSample,
  signVoucher,
  VERIFICATION_MODEL_ID,
  type Voucher,
  voucherHeader,
} from '@infermesh/protocol'
import { type RunningValidator, startValidator, validatorConfigSchema } from '@infermesh/validator'
import pino from 'pino'
import { type Address, createWalletClient, type Hex, http, type LocalAccount, parseEther } from 'viem'
import { devAccount, type NetworkFixture, startNetwork } from '../support/networkFixture.js'

// Verification fees, part 2 (per sample), on the real stack: anvil with the contracts, an honest llama
// provider, the gateway sampling every request, and a validator that requires a fee per sample. The
// gateway pays each sample with a voucher on (payer, validator, VERIFICATION_MODEL_ID); the validator
// checks it like a provider and redeems it. Attacks post crafted vouchers to the validator's real
// HTTP route; money is balanced to the wei on-chain.

const fee = parseEther('0.01')
const customer = devAccount(7)
const otherPayer = devAccount(5)
const hostileAccount = devAccount(4)
const validatorAccount = devAccount(6)

/** Sends calls signed by any account on the fixture's chain, each asserted mined successfully. */
async function chainSender(net: NetworkFixture) {
  const { chain } = await connect({ rpcUrl: net.anvil.rpcUrl })
  return async (signer: LocalAccount, call: DevContractCall) => {
    const wallet = createWalletClient({ account: signer, chain, transport: http(net.anvil.rpcUrl) })
    const hash = await wallet.writeContract(call as never)
    const receipt = await net.read.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `${call.functionName} by ${signer.address}`)
    return receipt
  }
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('sample fees: the payer pays the validator per sample (verification fees, part 2)', () => {
  let net: NetworkFixture
  let send: Awaited<ReturnType<typeof chainSender>>
  let validator: RunningValidator
  let customerDb: Database
  let customerPayer: Payer
  let burnBps: bigint
  let requests = 0

  const payments = () => net.deployment.contracts.payments
  const tokenBalance = (account: Address) =>
    net.read.readContract({
      address: net.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [account],
    })
  const paidOn = (payer: Address, to: Address) =>
    net.read.readContract({
      address: payments(),
      abi: paymentsAbi,
      functionName: 'paid',
      args: [payer, to, VERIFICATION_MODEL_ID],
    })
  const allocationOf = async (payer: Address, to: Address) =>
    (
      await net.read.readContract({
        address: payments(),
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payer, to],
      })
    )[0]
  /** What a redemption of `amount` burns: ceil(amount × burnBps / 10,000), as Payments rounds it. */
  const burnOf = (amount: bigint) => (amount * burnBps + 9_999n) / 10_000n
  /** Everything `payer` allocated (Allocated events), by recipient. */
  const allocatedBy = async (payer: Address) => {
    const logs = await net.read.getContractEvents({
      address: payments(),
      abi: paymentsAbi,
      eventName: 'Allocated',
      args: { payer },
      fromBlock: 0n,
    })
    const to = new Map<string, bigint>()
    for (const log of logs)
      to.set(
        log.args.provider as string,
        (to.get(log.args.provider as string) ?? 0n) + (log.args.amount as bigint),
      )
    return to
  }
  /** The validator's Redeemed events on the verification channel since `fromBlock`. */
  const redeemedSince = async (fromBlock: bigint, to: Address) =>
    net.read.getContractEvents({
      address: payments(),
      abi: paymentsAbi,
      eventName: 'Redeemed',
      args: { provider: to },
      fromBlock,
    })

  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 1, deposit: parseEther('1000') })
    send = await chainSender(net)
    const { token } = net.deployment.contracts
    burnBps = BigInt(
      await net.read.readContract({ address: payments(), abi: paymentsAbi, functionName: 'burnBps' }),
    )
    for (const account of [validatorAccount, customer, otherPayer])
      await send(devAccount(0), {
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [account.address, parseEther('5000')],
      })
    const config = validatorConfigSchema.parse({
      chain: { rpcUrl: net.anvil.rpcUrl, contracts: net.deployment.contracts },
      server: { port: 0 },
      allowPrivatePeers: true,
      models: [{ modelId: net.modelId, path: join(net.dir, 'tiny.gguf') }],
      verifier: { threads: 1 },
      // Health probes only: the validator pays no provider, so its MESH moves only by sample fees.
      probe: { intervalMs: 5_000, maxTokens: 0 },
      // Redeemed only when a test says so.
      samples: { minSampleFee: fee.toString(), redeemThreshold: parseEther('1000000').toString() },
    })
    validator = await startValidator({ config, account: validatorAccount, logger: pino({ level: 'silent' }) })

    // A customer paying the provider by hand (its receipts are the attacks' samples), with 1 MESH
    // allocated to the validator for sample fees; another payer with 1 MESH allocated to it too.
    const provider = net.providers[0]?.account.address as Address
    for (const [account, allocations] of [
      [
        customer,
        [
          { provider, amount: parseEther('50') },
          { provider: validatorAccount.address, amount: parseEther('1') },
        ],
      ],
      [otherPayer, [{ provider: validatorAccount.address, amount: parseEther('1') }]],
    ] as const) {
      await send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [payments(), parseEther('100')],
      })
      await send(account, {
        address: payments(),
        abi: paymentsAbi,
        functionName: 'depositAndAllocate',
        args: [parseEther('100'), allocations],
      })
    }
    customerDb = await openDatabase()
    customerPayer = createPayer({
      account: customer,
      chainId: net.deployment.chainId,
      payments: payments(),
      ledger: await createSqlPayerLedger(customerDb),
    })
  })
  after(async () => {
    await validator?.close()
    await customerDb?.close()
    await net?.close()
  })

  /** The customer pays the provider for one chat and signs its sample for `to`. */
  async function customerSample(to: Address = validatorAccount.address) {
    const provider = net.providers[0] as NonNullable<NetworkFixture['providers'][number]>
    const body = { model: 'tiny', messages: [{ role: 'user', content: `hi ${requests++}` }], max_tokens: 2 }
    const answer = await chat(
      { allowPrivate: true },
      {
        endpoint: provider.running.url,
        body,
        voucher: await customerPayer.voucherHeader(provider.account.address, net.modelId),
        deadlineMs: 60_000,
      },
    )
    assert.equal(answer.kind, 'json', JSON.stringify(answer))
    if (answer.kind !== 'json') throw new Error('unreachable')
    const text = (answer.body.choices[0] as { message?: { content?: string | null } }).message?.content ?? ''
    const receipt = await customerPayer.acceptReceipt(answer.receipt, {
      offer: {
        provider: provider.account.address,
        modelId: net.modelId,
        pricePerMInput: provider.price.input,
        pricePerMOutput: provider.price.output,
      },
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse(text),
      bounds: requestBounds('chat', body, { contextTokens: 256 }),
    })
    const { chainId } = net.deployment
    const issuedAt = Math.floor(Date.now() / 1000)
    const sample: SampleBody = {
      receipt: answer.receipt as string,
      kind: 'chat',
      request: body,
      response: text,
      validator: to,
      issuedAt,
      signature: await signSample({
        account: customer,
        chainId,
        disputes: net.deployment.contracts.disputes as Address,
        receiptDigest: hashReceipt(chainId, payments(), receipt),
        validator: to,
        issuedAt,
      }),
    }
    return sample
  }

  const voucherFrom = async (
    signer: LocalAccount,
    voucher: Partial<Voucher> & { cumulativeAmount: bigint },
  ) => {
    const full: Voucher = {
      payer: signer.address,
      provider: validatorAccount.address,
      modelId: VERIFICATION_MODEL_ID,
      ...voucher,
    }
    const signature = await signVoucher({
      account: signer,
      chainId: net.deployment.chainId,
      payments: payments(),
      voucher: full,
    })
    return encodeSignedVoucher({ voucher: full, signature })
  }

  const post = async (sample: SampleBody, voucher?: string) => {
    const response = await fetch(`${validator.url}/infermesh/v1/samples`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(voucher !== undefined && { [voucherHeader]: voucher }),
      },
      body: JSON.stringify(sample),
    })
    const body = (await response.json()) as { error?: { code?: string; message?: string } }
    return { status: response.status, code: body.error?.code, message: body.error?.message }
  }

  const heldFrom = async (payer: Address) => {
    const status = (await (await fetch(`${validator.url}/infermesh/v1/status`)).json()) as {
      sampleFees: { vouchered: string }
    }
    return {
      total: BigInt(status.sampleFees.vouchered),
      payer: await paidOn(payer, validatorAccount.address),
    }
  }

  it('gateway → validator: every sampled request pays its validator one fee, redeemed to the wei', async () => {
    const gateway = net.gateway
    await until('the gateway to see the validator and the provider', 60_000, async () =>
      gateway.discovery.validators().some((v) => v.address === validatorAccount.address) &&
      gateway.discovery.providerCount() >= 1
        ? true
        : undefined,
    )
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${net.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'tiny',
          messages: [{ role: 'user', content: `paid ${i}` }],
          max_tokens: 2,
        }),
      })
      assert.equal(response.status, 200, await response.text())
    }
    await gateway.sampler?.drain()
    assert.deepEqual(gateway.sampler?.counts(), { sampled: 3, delivered: 3 })
    // The gateway recorded three fees, and the validator holds a voucher for exactly that.
    assert.equal(await gateway.ledger.billed(validatorAccount.address, VERIFICATION_MODEL_ID), 3n * fee)
    assert.equal((await heldFrom(net.payer.address)).total, 3n * fee)
    await validator.idle()
    assert.deepEqual(
      validator.reputation
        .reports(500)
        .filter((r) => r.source === 'gateway')
        .map((r) => r.verdict),
      ['pass', 'pass', 'pass'],
    )

    const allocated = (await allocatedBy(net.payer.address)).get(validatorAccount.address) ?? 0n
    assert.ok(allocated >= 3n * fee, 'the gateway allocated to the validator lazily, like to a provider')
    const balanceBefore = await tokenBalance(validatorAccount.address)
    const fromBlock = await net.read.getBlockNumber()
    const result = await validator.settler.settleNow(0n)
    assert.equal(result.amount, 3n * fee)
    const [redeemed] = await redeemedSince(fromBlock, validatorAccount.address)
    assert.equal(redeemed?.args.payer, net.payer.address)
    assert.equal(redeemed?.args.amount, 3n * fee)
    assert.equal(redeemed?.args.burned, burnOf(3n * fee))
    assert.equal(redeemed?.args.royalty, 0n)
    // To the wei: the validator gets what was redeemed less the burn (no royalty on the verification id);
    // the payer's allocation to it fell by what was redeemed; its unallocated deposit is the deposit less
    // everything it allocated.
    assert.equal(await tokenBalance(validatorAccount.address), balanceBefore + 3n * fee - burnOf(3n * fee))
    assert.equal(await paidOn(net.payer.address, validatorAccount.address), 3n * fee)
    assert.equal(await allocationOf(net.payer.address, validatorAccount.address), allocated - 3n * fee)
    const allAllocated = [...(await allocatedBy(net.payer.address)).values()].reduce((a, b) => a + b, 0n)
    assert.equal(
      await net.read.readContract({
        address: payments(),
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [net.payer.address],
      }),
      parseEther('1000') - allAllocated,
    )
  })

  it('refuses a replayed voucher, another payer’s, a short one, one naming another validator or model, one beyond the allocation, a malformed one and none: nothing stored, nothing lost', async () => {
    const first = await customerSample()
    const second = await customerSample()
    const oneFee = await voucherFrom(customer, { cumulativeAmount: fee })
    assert.equal((await post(first, oneFee)).status, 202)
    const heldBefore = (await heldFrom(customer.address)).total

    const refusals = {
      replayed: await post(second, oneFee),
      otherPayer: await post(second, await voucherFrom(otherPayer, { cumulativeAmount: fee })),
      short: await post(second, await voucherFrom(customer, { cumulativeAmount: fee + fee / 2n })),
      otherValidator: await post(
        second,
        await voucherFrom(customer, { cumulativeAmount: 2n * fee, provider: hostileAccount.address }),
      ),
      otherModel: await post(
        second,
        await voucherFrom(customer, { cumulativeAmount: 2n * fee, modelId: net.modelId }),
      ),
      beyondAllocation: await post(
        second,
        await voucherFrom(customer, { cumulativeAmount: fee + parseEther('1000000') }),
      ),
      none: await post(second),
    }
    for (const [attack, answer] of Object.entries(refusals)) {
      assert.equal(answer.status, 402, `${attack}: ${JSON.stringify(answer)}`)
      assert.equal(answer.code, 'sample_fee_required', attack)
    }
    assert.match(refusals.otherPayer.message ?? '', /the sampled receipt bills/)
    assert.match(refusals.beyondAllocation.message ?? '', /allocated/)
    const malformed = await post(second, 'not-a-voucher')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.code, 'invalid_request')
    // Nothing was stored: the validator holds what it held, and the same sample is taken with a real fee.
    assert.equal((await heldFrom(customer.address)).total, heldBefore)
    assert.equal(
      (await post(second, await voucherFrom(customer, { cumulativeAmount: 2n * fee }))).status,
      202,
    )
    await validator.idle()

    const customerAllocation = await allocationOf(customer.address, validatorAccount.address)
    const otherAllocation = await allocationOf(otherPayer.address, validatorAccount.address)
    const balanceBefore = await tokenBalance(validatorAccount.address)
    const result = await validator.settler.settleNow(0n)
    // Two samples, two fees: the customer paid exactly that, the other payer nothing.
    assert.equal(result.amount, 2n * fee)
    assert.equal(await paidOn(customer.address, validatorAccount.address), 2n * fee)
    assert.equal(await paidOn(otherPayer.address, validatorAccount.address), 0n)
    assert.equal(
      await allocationOf(customer.address, validatorAccount.address),
      customerAllocation - 2n * fee,
    )
    assert.equal(await allocationOf(otherPayer.address, validatorAccount.address), otherAllocation)
    assert.equal(await tokenBalance(validatorAccount.address), balanceBefore + 2n * fee - burnOf(2n * fee))
  })

  it('a validator that answers 500 after taking the voucher holds exactly what the gateway recorded, never more', async () => {
    const held: Voucher[] = []
    const heldHeaders: string[] = []
    let posts = 0
    const hostile: Server = createServer((request, response) => {
      posts++
      request.resume()
      const header = request.headers[voucherHeader]
      if (typeof header === 'string') {
        held.push(decodeSignedVoucher(header).voucher)
        heldHeaders.push(header)
      }
      request.on('end', () =>
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'oops', code: 'internal' } })),
      )
    })
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    try {
      const gateway = net.gateway
      const hostileValidator = {
        address: hostileAccount.address,
        endpoint: `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`,
        stake: parseEther('1000'),
        models: [net.modelId.toLowerCase() as Hex],
      }
      // The gateway's own sampler code on the gateway's ledger and allocator, sending to the hostile one.
      const sampler = createSampler({
        account: net.payer,
        chainId: net.deployment.chainId,
        payments: payments(),
        disputes: net.deployment.contracts.disputes as Address,
        probability: 1,
        validators: () => [hostileValidator],
        allowPrivate: true,
        log: { info: () => {}, warn: () => {} },
        maxAttempts: 1,
        fees: createSampleFees({
          account: net.payer,
          chainId: net.deployment.chainId,
          payments: payments(),
          ledger: gateway.ledger,
          allocator: gateway.allocator,
          fee,
        }),
      })
      const sample = await customerSample()
      const { receipt } = decodeSignedReceipt(sample.receipt)
      const completed = {
        kind: 'chat' as const,
        provider: receipt.provider,
        receipt,
        signedReceipt: sample.receipt,
        requestBody: sample.request,
        responseText: sample.response,
      }
      sampler.consider(completed)
      await sampler.drain()
      assert.equal(posts, 1)
      assert.deepEqual(sampler.counts(), { sampled: 1, delivered: 0 })
      const billed = await gateway.ledger.billed(hostileAccount.address, VERIFICATION_MODEL_ID)
      assert.equal(held[0]?.cumulativeAmount, fee)
      assert.equal(billed, fee, 'the gateway recorded what it signed')

      // The hostile validator redeems what it took: exactly what the gateway recorded as owed.
      const before = await tokenBalance(hostileAccount.address)
      await send(hostileAccount, {
        address: payments(),
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [held[0] as Voucher, decodeSignedVoucher(heldHeaders[0] as string).signature],
      })
      assert.equal(await paidOn(net.payer.address, hostileAccount.address), billed)
      assert.equal(await tokenBalance(hostileAccount.address), before + fee - burnOf(fee))

      // The next sample pays one fee more (the 500 was not a refusal: no credit), still what is recorded.
      sampler.consider(completed)
      await sampler.drain()
      assert.equal(held[1]?.cumulativeAmount, 2n * fee)
      assert.equal(await gateway.ledger.billed(hostileAccount.address, VERIFICATION_MODEL_ID), 2n * fee)
      for (const voucher of held)
        assert.ok(voucher.cumulativeAmount <= 2n * fee, 'never a voucher above what the ledger records')
    } finally {
      hostile.close()
    }
  })
})
