import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLlamaBackend } from '@infermesh/llama'
import {
  computeCost,
  emptyTokensHash,
  hashRequest,
  hashTokenIds,
  meshTokenAbi,
  paymentsAbi,
  type Receipt,
  receiptEvent,
  receiptHeader,
  verifyReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import OpenAI from 'openai'
import { parseEther } from 'viem'
import { type Fixture, prices, startFixture } from './testing/providerFixture.js'

describe('a provider serving the tiny model over real HTTP, paid with vouchers on a real chain', () => {
  let fx: Fixture
  let client: OpenAI
  const receipts: Receipt[] = []

  before(async () => {
    fx = await startFixture()
    client = new OpenAI({ baseURL: `${fx.provider.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  })
  after(async () => {
    await fx?.close()
  })

  async function verified(header: string | null): Promise<Receipt> {
    assert.ok(header, 'the response carries a receipt')
    const signed = fx.wallet.learn(header)
    const ok = await verifyReceipt({
      chainId: fx.deployment.chainId,
      payments: fx.deployment.contracts.payments,
      receipt: signed.receipt,
      signature: signed.signature,
    })
    assert.equal(ok, true, 'the receipt is signed by the provider')
    receipts.push(signed.receipt)
    return signed.receipt
  }

  it('lists the model with its id and prices', async () => {
    const models = await client.models.list()
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['tiny'],
    )
    const extra = (models.data[0] as unknown as { infermesh: { modelId: string; pricePerMInput: string } })
      .infermesh
    assert.equal(extra.modelId, fx.modelId)
    assert.equal(extra.pricePerMInput, prices.pricePerMInput.toString())
  })

  it('answers a chat completion with exact usage and a signed receipt that bills it', async () => {
    const body = {
      model: 'tiny',
      messages: [{ role: 'user' as const, content: 'Hello there' }],
      max_tokens: 12,
      temperature: 0,
    }
    const sentAt = BigInt(Math.floor(Date.now() / 1000))
    const { data, response } = await client.chat.completions
      .create(body, { headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) } })
      .withResponse()
    const receivedAt = BigInt(Math.floor(Date.now() / 1000))
    assert.equal(data.object, 'chat.completion')
    assert.equal(typeof data.choices[0]?.message.content, 'string')
    assert.ok(data.usage && data.usage.completion_tokens > 0 && data.usage.completion_tokens <= 12)
    const receipt = await verified(response.headers.get(receiptHeader))
    assert.equal(receipt.payer, fx.payer.address)
    assert.equal(receipt.provider, fx.providerAccount.address)
    assert.equal(receipt.modelId, fx.modelId)
    assert.equal(receipt.inputTokens, BigInt(data.usage.prompt_tokens))
    assert.equal(receipt.outputTokens, BigInt(data.usage.completion_tokens))
    assert.equal(
      receipt.cost,
      computeCost({
        inputTokens: receipt.inputTokens,
        outputTokens: receipt.outputTokens,
        ...prices,
      }),
    )
    assert.equal(receipt.cumulativeAmount, receipt.cost)
    // Receipt v2: the kind served is in the request hash; servedAt is when the answer finished.
    assert.equal(receipt.requestHash, hashRequest('chat', body))
    assert.ok(receipt.servedAt >= sentAt && receipt.servedAt <= receivedAt, `servedAt ${receipt.servedAt}`)
    // The token ids the provider hashed are the ones llama.cpp generates for this greedy request.
    const backend = await createLlamaBackend({
      models: [{ name: 'tiny', path: fx.modelPath, contextLength: 256 }],
      threads: 1,
      sequences: 1,
    })
    try {
      const again = await backend.generate({
        model: 'tiny',
        messages: body.messages,
        maxTokens: body.max_tokens,
        temperature: 0,
      })
      assert.equal(again.text, data.choices[0]?.message.content)
      assert.equal(receipt.tokensHash, hashTokenIds(again.tokenIds ?? []))
      assert.equal(again.tokenIds?.length, Number(receipt.outputTokens))
    } finally {
      await backend.close()
    }
  })

  it('generates until the context is full when the request names no max_tokens, as OpenAI does', async () => {
    const { data, response } = await client.chat.completions
      .create(
        { model: 'tiny', messages: [{ role: 'user', content: 'Go on' }], temperature: 0 },
        { headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) } },
      )
      .withResponse()
    assert.ok(data.usage)
    assert.equal(data.choices[0]?.finish_reason, 'length')
    assert.equal(data.usage.prompt_tokens + data.usage.completion_tokens, 256) // the fixture's context
    await verified(response.headers.get(receiptHeader))
  })

  it('streams a chat completion with usage, then the receipt, then [DONE]', async () => {
    const stream = await client.chat.completions.create(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'Stream please' }],
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
        seed: 7,
      },
      { headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) } },
    )
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined
    let receiptHeaderValue: string | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
      const extra = chunk as unknown as { object: string; receipt?: string }
      if (extra.object === receiptEvent) receiptHeaderValue = extra.receipt
    }
    assert.ok(usage, 'the usage chunk arrives')
    assert.ok(text.length > 0)
    const before = receipts.at(-1)?.cumulativeAmount ?? 0n
    const receipt = await verified(receiptHeaderValue ?? null)
    assert.equal(receipt.outputTokens, BigInt(usage.completion_tokens))
    assert.equal(receipt.cumulativeAmount, before + receipt.cost)
  })

  it('answers a completion and embeddings (base64 and float) with receipts', async () => {
    const completionBody = { model: 'tiny', prompt: 'Once upon', max_tokens: 8 }
    const completion = await client.completions
      .create(completionBody, { headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) } })
      .withResponse()
    assert.equal(completion.data.object, 'text_completion')
    const completionReceipt = await verified(completion.response.headers.get(receiptHeader))
    // Served as a completion, hashed as one: never the hash of the same body as a chat.
    assert.equal(completionReceipt.requestHash, hashRequest('completion', completionBody))
    assert.notEqual(completionReceipt.requestHash, hashRequest('chat', completionBody))

    const embedding = await client.embeddings
      .create(
        { model: 'tiny', input: ['one', 'two'] },
        { headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) } },
      )
      .withResponse()
    assert.equal(embedding.data.data.length, 2)
    assert.equal(embedding.data.data[0]?.embedding.length, 64)
    const receipt = await verified(embedding.response.headers.get(receiptHeader))
    assert.equal(receipt.outputTokens, 0n)
    assert.equal(receipt.inputTokens, BigInt(embedding.data.usage.prompt_tokens))
    assert.equal(receipt.tokensHash, emptyTokensHash, 'no generated tokens')
  })

  it('redeems on-chain so the provider’s balance matches the receipts to the wei', async () => {
    const owed = receipts.reduce((sum, r) => sum + r.cost, 0n)
    assert.equal(owed, receipts.at(-1)?.cumulativeAmount)
    // Hand in the voucher for all completed work, then settle.
    const response = await fetch(`${fx.provider.url}/infermesh/v1/vouchers`, {
      method: 'POST',
      headers: { [voucherHeader]: await fx.wallet.header(fx.modelId) },
    })
    assert.equal(response.status, 200)
    const { token, payments } = fx.deployment.contracts
    const balance = () =>
      fx.read.readContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [fx.providerAccount.address],
      })
    const supply = () =>
      fx.read.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalSupply' })
    const before = await balance()
    const supplyBefore = await supply()
    const result = await fx.provider.settler.settleNow()
    assert.equal(result.amount, owed)
    // The burn is rounded up, the royalty down; the settler flushed the booked burn, so the supply shows it.
    const burned = (owed * 500n + 9_999n) / 10_000n
    const royalty = (owed * 1000n) / 10_000n
    assert.equal((await balance()) - before, owed - burned - royalty)
    assert.equal(result.flushed, burned)
    // 20% of the flushed burn pays committee votes (VerificationFees); the rest leaves the supply.
    assert.equal(supplyBefore - (await supply()), burned - (burned * 2000n) / 10_000n)
    assert.equal(
      await fx.read.readContract({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }),
      0n,
    )
    // The payer's allocation paid it all; its unallocated deposit is untouched (100 allocated, 0 free).
    const [allocation] = await fx.read.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'allocationOf',
      args: [fx.payer.address, fx.providerAccount.address],
    })
    assert.equal(allocation, parseEther('100') - owed)
    assert.equal(
      await fx.read.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'royaltiesOwed',
        args: [fx.royaltyReceiver],
      }),
      royalty,
    )
    assert.equal(
      await fx.read.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'paid',
        args: [fx.payer.address, fx.providerAccount.address, fx.modelId],
      }),
      owed,
    )
    // Nothing left to redeem: a second settlement sends no transaction.
    assert.deepEqual(await fx.provider.settler.settleNow(), {
      channels: 0,
      amount: 0n,
      transactions: 0,
      skipped: 0,
      flushed: 0n,
    })
  })
})
