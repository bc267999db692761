import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { requestBounds, worstCaseCost } from '@infermesh/payments'
import {
  computeCost,
  decodeSignedVoucher,
  encodeSignedReceipt,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  paymentsAbi,
  receiptEvent,
  receiptHeader,
  signReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import { type Address, type LocalAccount, parseEther } from 'viem'
import { devAccount, type NetworkFixture, startNetwork } from '../support/networkFixture.js'
import { registerHostileProvider } from '../support/registerHostileProvider.js'

// Issue 11, the payer's side (audit §1, §6, §8, §16), on the real stack: anvil with the contracts, an
// honest llama provider, the gateway, and a hostile provider registered on-chain whose endpoint is a
// node:http server. Every attack is made through the gateway's API, and money is balanced to the wei.

const hostilePrice = parseEther('1') // MESH wei per 1M tokens, in and out: the cheapest offer
const contextTokens = 256 // the fixture's routing.contextTokens (tiny's context)

type Hostile = {
  account: LocalAccount
  url: string
  server: Server
  /** Every voucher the gateway signed to it. */
  vouchers: { cumulativeAmount: bigint; header: string }[]
  posts: number
}

/** Signs a receipt for `body` (as received) billing `outputTokens` of `text` at the hostile price. */
async function receiptFor(
  net: NetworkFixture,
  account: LocalAccount,
  body: Record<string, unknown>,
  text: string,
  counts: { inputTokens: bigint; outputTokens: bigint },
) {
  const cost = computeCost({ ...counts, pricePerMInput: hostilePrice, pricePerMOutput: hostilePrice })
  const receipt = {
    requestHash: hashRequest(body),
    responseHash: hashResponse(text),
    modelId: net.modelId,
    payer: net.payer.address,
    provider: account.address,
    ...counts,
    cost,
    cumulativeAmount: cost,
  }
  const signature = await signReceipt({
    account,
    chainId: net.deployment.chainId,
    payments: net.deployment.contracts.payments,
    receipt,
  })
  return encodeSignedReceipt({ receipt, signature })
}

/**
 * The hostile provider; what it does depends on the request's `user`: `inflate` answers "ok" with a
 * correctly signed receipt for 10^9 output tokens (and usage saying the same); `stall` streams one
 * chunk and stalls; `stale:<owed>` refuses with 402 voucher_stale claiming `owed`.
 */
async function startHostile(net: NetworkFixture, account: LocalAccount): Promise<Hostile> {
  const hostile = { account, vouchers: [], posts: 0 } as unknown as Hostile
  const server = createServer((request, response: ServerResponse) => {
    response.on('error', () => {})
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: 'tiny', object: 'model', infermesh: { modelId: net.modelId } }],
        }),
      )
      return
    }
    hostile.posts++
    const header = request.headers[voucherHeader]
    if (typeof header === 'string')
      hostile.vouchers.push({
        header,
        cumulativeAmount: decodeSignedVoucher(header).voucher.cumulativeAmount,
      })
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', async () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {}
      const mode = String(body.user)
      if (mode === 'inflate') {
        const counts = { inputTokens: 5n, outputTokens: 10n ** 9n }
        response.writeHead(200, {
          'content-type': 'application/json',
          [receiptHeader]: await receiptFor(net, account, body, 'ok', counts),
        })
        response.end(
          JSON.stringify({
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 5, completion_tokens: 1e9, total_tokens: 1e9 + 5 },
          }),
        )
      } else if (mode === 'stall') {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'secret text' } }] })}\n\n`,
        )
        // …and never ends; the receipt event never comes.
        void receiptEvent
      } else if (mode.startsWith('stale:')) {
        response.writeHead(402, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            error: { message: 'behind', code: 'voucher_stale', infermesh: { owed: mode.slice(6) } },
          }),
        )
      } else {
        response.writeHead(500)
        response.end()
      }
    })
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  hostile.server = server
  hostile.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return hostile
}

async function waitForProviders(net: NetworkFixture, count: number) {
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    const response = await fetch(`${net.gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${net.apiKey}` },
    })
    const models = (await response.json()) as { data: { id: string; infermesh: { providers: number } }[] }
    if ((models.data.find((model) => model.id === 'tiny')?.infermesh.providers ?? 0) >= count) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the gateway never listed ${count} providers`)
}

const chat = (net: NetworkFixture, body: Record<string, unknown>, key = net.apiKey, signal?: AbortSignal) =>
  fetch(`${net.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', ...body }),
    ...(signal && { signal }),
  })

describe('payments attacks on the gateway (issue 11, audit §1 §6 §8 §16)', () => {
  let net: NetworkFixture
  let hostile: Hostile
  let send: Awaited<ReturnType<typeof registerHostileProvider>>
  const deposit = parseEther('1000')
  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 0, deposit })
    hostile = await startHostile(net, devAccount(7))
    send = await registerHostileProvider(net, hostile.account, hostile.url, {
      modelId: net.modelId,
      price: hostilePrice,
    })
    await waitForProviders(net, 2)
  })
  after(async () => {
    hostile?.server.closeAllConnections()
    hostile?.server.close()
    await net?.close()
  })

  it('§1: "ok" with a signed receipt for 10^9 output tokens is refused, nothing charged or signed, the next provider serves', async () => {
    const honest = net.providers[0]?.account.address as Address
    const response = await chat(net, {
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 4,
      user: 'inflate',
      provider: { order: [hostile.account.address, honest] },
    })
    assert.equal(response.status, 200, await response.clone().text())
    assert.ok(hostile.posts >= 1, 'the hostile provider was tried first')
    const usage = (await (
      await fetch(`${net.gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${net.apiKey}` } })
    ).json()) as { key: { spent: string }; records: { provider: string; cost: string }[] }
    assert.deepEqual(
      usage.records.map((record) => record.provider),
      [honest],
      'only the honest provider is billed to the key',
    )
    assert.equal(usage.key.spent, usage.records[0]?.cost)
    assert.equal(await net.gateway.ledger.billed(hostile.account.address, net.modelId), 0n)
    assert.ok(
      hostile.vouchers.every((voucher) => voucher.cumulativeAmount === 0n),
      'no voucher above 0 signed to it',
    )
  })

  it('§16: six concurrent requests on a 1-wei key: none served beyond the limit, the rest 429', async () => {
    const { key, id } = await net.gateway.store.createApiKey('one wei', 1n)
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        chat(net, { messages: [{ role: 'user', content: `race ${i}` }], max_tokens: 4 }, key).then(
          (response) => response.status,
        ),
      ),
    )
    assert.ok(statuses.filter((status) => status === 200).length <= 1, String(statuses))
    assert.equal(
      statuses.filter((status) => status === 429).length,
      6 - statuses.filter((s) => s === 200).length,
    )
    const usage = await net.gateway.store.usage(id)
    assert.ok(BigInt(usage.totals.cost) <= 1n)
  })

  it('§6 §8: max_tokens 1e12 + abort + voucher_stale cannot raise what the gateway signs beyond the worst case sent; the key pays the abort', async () => {
    const { key, id } = await net.gateway.store.createApiKey('colluder')
    const only = { only: [hostile.account.address] }
    const body = {
      messages: [{ role: 'user', content: 'stall' }],
      max_tokens: 1e12,
      stream: true,
      user: 'stall',
    }
    const controller = new AbortController()
    const response = await chat(net, { ...body, provider: only }, key, controller.signal)
    assert.equal(response.status, 200)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    assert.match(first, /secret text/)
    controller.abort()
    // The worst case the gateway computed for what it sent: 1e12 bounded by the context.
    const upstream = { ...body, model: 'tiny' }
    const worst = worstCaseCost(requestBounds('chat', upstream, { contextTokens }), {
      pricePerMInput: hostilePrice,
      pricePerMOutput: hostilePrice,
    })
    // The key is charged the worst case for the abort.
    let spent = 0n
    for (const until = Date.now() + 10_000; Date.now() < until && spent === 0n; ) {
      spent = BigInt((await net.gateway.store.usage(id)).totals.cost)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(spent, worst, 'the aborting key pays the worst case')
    // The colluder claims the whole deposit: refused, nothing signed for it.
    const greedy = await chat(
      net,
      { messages: [{ role: 'user', content: 'x' }], user: `stale:${deposit}`, provider: only },
      key,
    )
    assert.equal(greedy.status, 502)
    assert.equal(await net.gateway.ledger.billed(hostile.account.address, net.modelId), 0n)
    // It claims exactly the allowance: accepted, and that is the most it can ever be signed.
    const fair = await chat(
      net,
      { messages: [{ role: 'user', content: 'x' }], user: `stale:${worst}`, provider: only },
      key,
    )
    assert.equal(fair.status, 502, 'it still answers nothing')
    const signed = hostile.vouchers.reduce(
      (max, voucher) => (voucher.cumulativeAmount > max ? voucher.cumulativeAmount : max),
      0n,
    )
    assert.equal(signed, worst, 'the claim is caught up to the worst case of what was sent, no further')
    assert.equal(await net.gateway.ledger.billed(hostile.account.address, net.modelId), worst)
    // The allowance is spent: the same claim again, or more, adds nothing.
    const again = await chat(
      net,
      { messages: [{ role: 'user', content: 'x' }], user: `stale:${worst * 2n}`, provider: only },
      key,
    )
    assert.equal(again.status, 502)
    assert.equal(await net.gateway.ledger.billed(hostile.account.address, net.modelId), worst)
  })

  it('balances every wei: deposits = paid to providers + burned + royalties + withdrawn + still deposited or allocated', async () => {
    const { token, payments } = net.deployment.contracts
    const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
      net.read.readContract({ address, abi, functionName, args } as never) as Promise<T>
    const providers = [...net.providers.map((p) => p.account.address), hostile.account.address]
    const tokenBefore = await Promise.all(
      providers.map((p) => read<bigint>(token, meshTokenAbi, 'balanceOf', [p])),
    )
    const burnedBefore =
      (await read<bigint>(token, meshTokenAbi, 'totalBurned')) +
      (await read<bigint>(payments, paymentsAbi, 'pendingBurn'))
    // Everyone redeems what it holds: the honest provider through its settler, the hostile one its best voucher.
    await net.gateway.flushVouchers()
    await net.providers[0]?.running.settler.settleNow(0n)
    const best = hostile.vouchers.reduce(
      (a, b) => (b.cumulativeAmount > a.cumulativeAmount ? b : a),
      hostile.vouchers[0] as Hostile['vouchers'][0],
    )
    if (best && best.cumulativeAmount > 0n) {
      const { voucher, signature } = decodeSignedVoucher(best.header)
      await send(hostile.account, {
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [voucher, signature],
      })
    }
    const tokenAfter = await Promise.all(
      providers.map((p) => read<bigint>(token, meshTokenAbi, 'balanceOf', [p])),
    )
    const toProviders = tokenAfter.reduce((sum, after, i) => sum + after - (tokenBefore[i] as bigint), 0n)
    const burned =
      (await read<bigint>(token, meshTokenAbi, 'totalBurned')) +
      (await read<bigint>(payments, paymentsAbi, 'pendingBurn')) -
      burnedBefore
    const royalties = await read<bigint>(payments, paymentsAbi, 'royaltiesOwed', [net.royaltyReceiver])
    let paid = 0n
    let allocated = 0n
    for (const provider of providers) {
      paid += await read<bigint>(payments, paymentsAbi, 'paid', [net.payer.address, provider, net.modelId])
      const [amount, releasing] = await read<[bigint, bigint, bigint]>(
        payments,
        paymentsAbi,
        'allocationOf',
        [net.payer.address, provider],
      )
      allocated += amount + releasing
    }
    const [withdrawing] = await read<[bigint, bigint]>(payments, paymentsAbi, 'withdrawal', [
      net.payer.address,
    ])
    const unallocated = await read<bigint>(payments, paymentsAbi, 'balanceOf', [net.payer.address])
    assert.equal(
      paid,
      toProviders + burned + royalties,
      'what left the allocations went to providers, burn and royalties',
    )
    assert.equal(
      deposit,
      paid + withdrawing + unallocated + allocated,
      'Σ deposits = paid + withdrawn + still deposited/allocated',
    )
    // The hostile provider got at most the worst case of the aborted request.
    assert.ok((tokenAfter[1] as bigint) - (tokenBefore[1] as bigint) <= parseEther('0.001'))
  })
})
