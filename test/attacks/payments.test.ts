import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ProviderAnswer, providerClient } from '@infermesh/client'
import { openDatabase } from '@infermesh/node/database'
import { createSqlChannelLedger, requestBounds, worstCaseCost } from '@infermesh/payments'
import {
  computeCost,
  connect,
  type DevContractCall,
  decodeSignedReceipt,
  decodeSignedVoucher,
  encodeSignedReceipt,
  encodeSignedVoucher,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsAbi,
  type Receipt,
  receiptEvent,
  receiptHeader,
  registryAbi,
  signReceipt,
  signVoucher,
  verifyReceipt,
  voucherHeader,
} from '@infermesh/protocol'
import {
  type Address,
  ContractFunctionRevertedError,
  concatHex,
  createWalletClient,
  type Hex,
  http,
  type LocalAccount,
  parseAbi,
  parseEther,
  sha256,
  stringToBytes,
  BaseError as ViemBaseError,
  zeroAddress,
  zeroHash,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  devAccount,
  type FixtureProvider,
  type NetworkFixture,
  startNetwork,
} from '../support/networkFixture.js'
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
  const receipt: Receipt = {
    requestHash: hashRequest('chat', body),
    responseHash: hashResponse(text),
    // "Cannot report token ids" (PROTOCOL.md §5): the attack is the counts, not this field.
    tokensHash: zeroHash,
    modelId: net.modelId,
    payer: net.payer.address,
    provider: account.address,
    ...counts,
    servedAt: BigInt(Math.floor(Date.now() / 1000)),
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
    for (const until = Date.now() + 60_000; Date.now() < until && spent === 0n; ) {
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
    // A flush burns 80% and funds VerificationFees with 20%: both are the burn Payments booked.
    const fees = net.deployment.contracts.verificationFees
    const burnedBefore =
      (await read<bigint>(token, meshTokenAbi, 'totalBurned')) +
      (await read<bigint>(payments, paymentsAbi, 'pendingBurn')) +
      (await read<bigint>(token, meshTokenAbi, 'balanceOf', [fees]))
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
      (await read<bigint>(payments, paymentsAbi, 'pendingBurn')) +
      (await read<bigint>(token, meshTokenAbi, 'balanceOf', [fees])) -
      burnedBefore
    const royalties = await read<bigint>(payments, paymentsAbi, 'royaltiesOwed', [net.royaltyReceiver])
    let paid = 0n
    let allocated = 0n
    for (const provider of providers) {
      paid += await read<bigint>(payments, paymentsAbi, 'paid', [net.payer.address, provider, net.modelId])
      const [amount] = await read<[bigint, bigint, bigint]>(payments, paymentsAbi, 'allocationOf', [
        net.payer.address,
        provider,
      ])
      // `releasing` is the part of `amount` asked back, not more money: counted once.
      allocated += amount
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

// ---------------------------------------------------------------------------------------------------
// Issue 11, the attacks of payers, model squatters and the owner key, on the real stack: the fixture's
// anvil with the contracts, its llama provider daemon and its gateway. A hostile payer talks to the
// provider over HTTP with its own key, as any payer may; every money-moving test balances to the wei.

/** Runtime code answering every call with 0xffffffff…: "invalid" to every EIP-1271 question. */
const refusingWallet = concatHex(['0x7f', `0xffffffff${'00'.repeat(28)}`, '0x60005260206000f3'])
/** Where the refusing wallet's code lives (an address with no key). */
const refusingWalletAddress: Address = '0x0000000000000000000000000000000000007702'
const providers = providerClient({ allowPrivate: true })

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

/** The custom error (name and arguments) `call` reverts with when `from` makes it. */
async function revertOf(net: NetworkFixture, from: Address, call: DevContractCall) {
  try {
    await net.read.simulateContract({ account: from, ...call } as never)
  } catch (error) {
    const reverted =
      error instanceof ViemBaseError
        ? error.walk((cause) => cause instanceof ContractFunctionRevertedError)
        : undefined
    if (reverted instanceof ContractFunctionRevertedError)
      return { name: reverted.data?.errorName, args: reverted.data?.args }
    throw error
  }
  return assert.fail(`${call.functionName} from ${from} did not revert`)
}

const testRpc = (net: NetworkFixture, method: string, params: unknown[]) =>
  net.read.request({ method, params } as never)

/** Moves the chain's clock `seconds` ahead and mines a block. */
async function warp(net: NetworkFixture, seconds: bigint) {
  await testRpc(net, 'evm_increaseTime', [Number(seconds)])
  await testRpc(net, 'evm_mine', [])
}

const balanceOf = (net: NetworkFixture, account: Address) =>
  net.read.readContract({
    address: net.deployment.contracts.token,
    abi: meshTokenAbi,
    functionName: 'balanceOf',
    args: [account],
  })

const paidOn = (net: NetworkFixture, payer: Address, provider: Address, modelId = net.modelId) =>
  net.read.readContract({
    address: net.deployment.contracts.payments,
    abi: paymentsAbi,
    functionName: 'paid',
    args: [payer, provider, modelId],
  })

/**
 * Where the MESH is, read from the chain: the token balances of `accounts`, Payments' own balance, the
 * burn (flushed by MeshToken, booked by Payments), the royalties owed to `receivers`, and what each of
 * `channels` was paid.
 */
async function moneyOf(
  net: NetworkFixture,
  accounts: readonly Address[],
  receivers: readonly Address[],
  channels: readonly { payer: Address; provider: Address; modelId: Hex }[],
) {
  const { token, payments } = net.deployment.contracts
  return {
    tokens: await Promise.all(accounts.map((account) => balanceOf(net, account))),
    held: await balanceOf(net, payments),
    // What flushes took out of Payments: burned, plus the share VerificationFees got (20% of each flush).
    flushed:
      (await net.read.readContract({ address: token, abi: meshTokenAbi, functionName: 'totalBurned' })) +
      (await balanceOf(net, net.deployment.contracts.verificationFees)),
    booked: await net.read.readContract({ address: payments, abi: paymentsAbi, functionName: 'pendingBurn' }),
    royalties: await Promise.all(
      receivers.map((receiver) =>
        net.read.readContract({
          address: payments,
          abi: paymentsAbi,
          functionName: 'royaltiesOwed',
          args: [receiver],
        }),
      ),
    ),
    paid: await Promise.all(channels.map((c) => paidOn(net, c.payer, c.provider, c.modelId))),
  }
}

/** What changed between two `moneyOf` reads, summed: to accounts, burned, royalties, paid on channels. */
function moved(before: Awaited<ReturnType<typeof moneyOf>>, after: Awaited<ReturnType<typeof moneyOf>>) {
  const sum = (a: bigint[], b: bigint[]) =>
    b.reduce((total, value, i) => total + value - (a[i] as bigint), 0n)
  return {
    toAccounts: sum(before.tokens, after.tokens),
    flushed: after.flushed - before.flushed,
    burned: after.flushed + after.booked - before.flushed - before.booked,
    royalties: sum(before.royalties, after.royalties),
    paid: sum(before.paid, after.paid),
    held: after.held - before.held,
  }
}

/** A payer's deposit as Payments holds it: paid on its channels for `modelId` with `providersPaid`, unallocated, allocated, withdrawing. */
async function depositOf(
  net: NetworkFixture,
  payer: Address,
  providersPaid: readonly Address[],
  modelId = net.modelId,
) {
  const { payments } = net.deployment.contracts
  let paid = 0n
  let allocated = 0n
  for (const provider of providersPaid) {
    paid += await paidOn(net, payer, provider, modelId)
    const [amount] = await net.read.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'allocationOf',
      args: [payer, provider],
    })
    // `releasing` is a part of `amount` asked back, not more money.
    allocated += amount
  }
  const unallocated = await net.read.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'balanceOf',
    args: [payer],
  })
  const [withdrawing] = await net.read.readContract({
    address: payments,
    abi: paymentsAbi,
    functionName: 'withdrawal',
    args: [payer],
  })
  return { paid, unallocated, allocated, withdrawing, held: unallocated + allocated + withdrawing }
}

/** Why a provider call did not answer, for assertion messages (bigints written out). */
const describeAnswer = (answer: ProviderAnswer<unknown>) =>
  answer.kind === 'refusal'
    ? `refusal ${answer.status} ${answer.code} ${answer.detail}`
    : `${answer.kind} ${answer.status}`

/**
 * A payer with its own key paying one provider directly, as the protocol lets any payer: each request
 * carries a voucher for the cumulative of the last receipt (post-pay), each receipt is checked.
 */
function directPayer(net: NetworkFixture, account: LocalAccount, provider: FixtureProvider) {
  const { chainId } = net.deployment
  const { payments } = net.deployment.contracts
  let cumulative = 0n
  const costs: bigint[] = []
  const voucher = async (cumulativeAmount = cumulative, to: Address = provider.account.address) => {
    const voucher = { payer: account.address, provider: to, modelId: net.modelId, cumulativeAmount }
    return { voucher, signature: await signVoucher({ account, chainId, payments, voucher }) }
  }
  const header = async (cumulativeAmount = cumulative) => encodeSignedVoucher(await voucher(cumulativeAmount))
  return {
    /** The cumulative of the last receipt: everything the provider served so far. */
    get cumulative() {
      return cumulative
    },
    costs,
    voucher,
    header,
    async chat(content: string) {
      const answer = await providers.chat({
        endpoint: provider.running.url,
        body: { model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 4 },
        voucher: await header(),
        deadlineMs: 120_000,
      })
      if (answer.kind === 'json' && answer.receipt) {
        const { receipt, signature } = decodeSignedReceipt(answer.receipt)
        assert.ok(
          await verifyReceipt({ chainId, payments, receipt, signature }),
          'the receipt is the provider’s',
        )
        assert.equal(receipt.payer, account.address)
        assert.equal(receipt.cumulativeAmount, cumulative + receipt.cost)
        cumulative = receipt.cumulativeAmount
        costs.push(receipt.cost)
      }
      return answer
    },
  }
}

/** The provider's counters of generated tokens and billed wei, as /metrics shows them. */
async function servedCounters(provider: FixtureProvider) {
  const text = await (await fetch(`${provider.running.url}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => /^infermesh_provider_(tokens_out|billed_wei)_total/.test(line))
    .join('\n')
}

describe('payments attacks by payers, model squatters and the owner key (issue 11, real anvil, llama provider, gateway)', () => {
  let net: NetworkFixture
  let honest: FixtureProvider
  let send: Awaited<ReturnType<typeof chainSender>>
  /** The hostile payer of the first attack, with its own key. */
  const hostilePayer = devAccount(5)
  before(async () => {
    net = await startNetwork({ providers: 1, sampling: 0 })
    honest = net.providers[0] as FixtureProvider
    send = await chainSender(net)
  })
  after(async () => {
    await net?.close()
  })

  // Issue 11, attack 5 (last part): "a deeply nested unused field made billing throw after the tokens
  // were streamed (free inference)". Now the body is bounded in depth at parse time and its request hash
  // computed before admission.
  it('a deeply nested (or unhashable) unused field is refused 400 before any token: nothing billed, nothing signed', async () => {
    const { key, id } = await net.gateway.store.createApiKey('nested')
    const provider = honest.account.address
    const billedBefore = await net.gateway.ledger.billed(provider, net.modelId)
    const servedBefore = await servedCounters(honest)
    // The unused field sits inside response_format {type: 'text'} (accepted: a field unknown to OpenAI
    // at the top level is refused before anything else).
    const start =
      '{"model":"tiny","messages":[{"role":"user","content":"hello"}],"max_tokens":4,"stream":true,"response_format":{"type":"text","x_unused":'
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    const post = (body: string) =>
      fetch(`${net.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      })
    const cases: [string, string, RegExp][] = [
      ['65 levels', `${start}${nested(63)}}}`, /nests deeper than 64 levels/],
      ['10,000 levels', `${start}${nested(10_000)}}}`, /nests deeper than 64 levels/],
      ['1e400', `${start}1e400}}`, /cannot be hashed/],
    ]
    for (const [what, body, message] of cases) {
      const response = await post(body)
      const answer = (await response.json()) as { error: { code: string; message: string } }
      assert.equal(response.status, 400, `${what}: ${JSON.stringify(answer)}`)
      assert.equal(answer.error.code, 'invalid_request', what)
      assert.match(answer.error.message, message, what)
    }
    assert.deepEqual((await net.gateway.store.usage(id)).totals, {
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      cost: '0',
    })
    assert.equal(await net.gateway.ledger.billed(provider, net.modelId), billedBefore, 'nothing billed')
    assert.equal(await servedCounters(honest), servedBefore, 'no token generated, no receipt signed')

    // The same request with the field 62 levels deep (the whole body 64) is served and billed as usual,
    // so what was refused above was the nesting; the key pays exactly what the gateway owes for it.
    const served = await post(`${start}${nested(62)}}}`)
    assert.equal(served.status, 200, await served.clone().text())
    assert.match(await served.text(), /\[DONE\]/)
    let usage = await net.gateway.store.usage(id)
    for (let i = 0; i < 100 && usage.totals.requests === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      usage = await net.gateway.store.usage(id)
    }
    assert.equal(usage.totals.requests, 1)
    assert.ok(BigInt(usage.totals.cost) > 0n)
    assert.equal(
      (await net.gateway.ledger.billed(provider, net.modelId)) - billedBefore,
      BigInt(usage.totals.cost),
      'the gateway owes the provider what the key was charged',
    )
  })

  // Issue 11, attack 2 ("a payer redeemed a voucher made out to an address of its own and emptied its
  // deposit at once, with no withdrawal delay, so the honest provider's redemption paid 0; one deposit
  // also backs every provider at the same time") and attack 4 ("a payer … that delegated its account
  // (EIP-7702) to a contract answering 'invalid' revoked every voucher … it had signed").
  it('a payer that got answers cannot leave the provider unpaid: not by redeeming to its own address, withdrawing, releasing, nor delegating to an "invalid" EIP-1271 wallet', async () => {
    const { token, payments } = net.deployment.contracts
    const payer = hostilePayer
    const puppet = devAccount(6)
    // The payer's second account poses as a provider: staked and registered (its offer is for another
    // model, so the gateway never routes customers to its dead endpoint).
    await registerHostileProvider(net, puppet, 'http://127.0.0.1:1', {
      modelId: `0x${'a1'.repeat(32)}`,
      price: parseEther('1'),
    })
    const deposit = parseEther('10')
    const toHonest = parseEther('1')
    const toPuppet = parseEther('2')
    const unallocated = deposit - toHonest - toPuppet
    await send(devAccount(0), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'transfer',
      args: [payer.address, deposit],
    })
    const accounts = [honest.account.address, puppet.address, payer.address]
    const channels = [
      { payer: payer.address, provider: honest.account.address, modelId: net.modelId },
      { payer: payer.address, provider: puppet.address, modelId: net.modelId },
      // The gateway's channel: the honest provider's settler redeems whatever it can pay.
      { payer: net.payer.address, provider: honest.account.address, modelId: net.modelId },
    ]
    const before = await moneyOf(net, accounts, [net.royaltyReceiver], channels)
    await send(payer, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [payments, deposit],
    })
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'depositAndAllocate',
      args: [
        deposit,
        [
          { provider: honest.account.address, amount: toHonest },
          { provider: puppet.address, amount: toPuppet },
        ],
      ],
    })

    // It pays for answers with vouchers, as the protocol asks.
    const session = directPayer(net, payer, honest)
    for (let i = 0; i < 3; i++) {
      const answer = await session.chat(`question ${i}`)
      assert.equal(answer.kind, 'json', describeAnswer(answer))
    }
    // EIP-7702: its account now runs a wallet that answers "invalid" to every EIP-1271 question
    // (0xef0100 ‖ delegate is the code a delegation leaves).
    await testRpc(net, 'anvil_setCode', [refusingWalletAddress, refusingWallet])
    const designator = concatHex(['0xef0100', refusingWalletAddress])
    await testRpc(net, 'anvil_setCode', [payer.address, designator])
    assert.equal(await net.read.getCode({ address: payer.address }), designator)
    const isValidSignature = await net.read.readContract({
      address: payer.address,
      abi: parseAbi(['function isValidSignature(bytes32, bytes) view returns (bytes4)']),
      functionName: 'isValidSignature',
      args: [zeroHash, '0x'],
    })
    assert.equal(isValidSignature, '0xffffffff', 'the account answers "invalid" to EIP-1271')
    // Its key still signs for it (ECDSA first): the provider takes its next voucher and serves…
    const fourth = await session.chat('after delegating')
    assert.equal(fourth.kind, 'json', describeAnswer(fourth))
    // …and the payer hands in the voucher for the last answer, so every answer is covered by a voucher
    // (the one left uncovered otherwise is the provider's credit risk, at most its credit limit).
    const handedIn = await providers.handInVoucher({
      endpoint: honest.running.url,
      voucher: await session.header(),
      deadlineMs: 30_000,
    })
    assert.equal(
      handedIn.kind,
      'accepted',
      JSON.stringify(handedIn, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
    )
    const owed = session.cumulative
    assert.equal(session.costs.length, 4)
    assert.equal(
      owed,
      session.costs.reduce((sum, cost) => sum + cost, 0n),
    )
    assert.ok(owed > 0n && owed <= toHonest, `served within the allocation: ${owed}`)

    // 1. A voucher for its whole deposit, made out to its own address, redeemed at once: it draws on
    //    the puppet's allocation only; the honest provider's is untouched.
    const { voucher, signature } = await session.voucher(deposit, puppet.address)
    await send(puppet, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    assert.equal(await paidOn(net, payer.address, puppet.address), toPuppet)
    const allocation = () =>
      net.read.readContract({
        address: payments,
        abi: paymentsAbi,
        functionName: 'allocationOf',
        args: [payer.address, honest.account.address],
      })
    assert.equal((await allocation())[0], toHonest)
    // 2. Releasing its allocation to the honest provider: only a request; the release waits the delay.
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'requestRelease',
      args: [honest.account.address, toHonest],
    })
    const release = {
      address: payments,
      abi: paymentsAbi,
      functionName: 'release',
      args: [honest.account.address],
    }
    assert.equal((await revertOf(net, payer.address, release)).name, 'ReleaseLocked')
    // 3. Withdrawing everything: the allocations cannot be asked for, the rest waits the delay.
    const withdrawAll = await revertOf(net, payer.address, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'requestWithdraw',
      args: [deposit],
    })
    assert.deepEqual(withdrawAll, { name: 'InsufficientBalance', args: [unallocated, deposit] })
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'requestWithdraw',
      args: [unallocated],
    })
    const withdraw = { address: payments, abi: paymentsAbi, functionName: 'withdraw', args: [] }
    assert.equal((await revertOf(net, payer.address, withdraw)).name, 'WithdrawalLocked')
    // The provider serves nothing more on an allocation being released.
    const refused = await session.chat('one more')
    assert.equal(refused.kind === 'refusal' && refused.code, 'deposit_insufficient', describeAnswer(refused))

    // The provider's settler saw the release and withdrawal requests and redeemed at once, by itself,
    // through the delegated account's ECDSA signature.
    let paid = await paidOn(net, payer.address, honest.account.address)
    for (let i = 0; i < 600 && paid !== owed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      paid = await paidOn(net, payer.address, honest.account.address)
    }
    assert.equal(paid, owed, 'the honest provider is paid for everything it served')

    // After the delay the payer gets back what is left, from its delegated account: no more.
    const withdrawDelay = await net.read.readContract({
      address: payments,
      abi: paymentsAbi,
      functionName: 'withdrawDelay',
    })
    await warp(net, withdrawDelay + 1n)
    const tokensBefore = await balanceOf(net, payer.address)
    await send(payer, withdraw)
    await send(payer, release)
    const withdrawn = (await balanceOf(net, payer.address)) - tokensBefore
    assert.equal(withdrawn, unallocated)

    // Every wei. The payer's deposit: paid to the providers' channels + withdrawn + still deposited.
    const left = await depositOf(net, payer.address, [honest.account.address, puppet.address])
    assert.deepEqual(left, {
      paid: owed + toPuppet,
      unallocated: toHonest - owed,
      allocated: 0n,
      withdrawing: 0n,
      held: toHonest - owed,
    })
    assert.equal(
      deposit,
      left.paid + withdrawn + left.held,
      'Σ deposits = paid + withdrawn + still deposited',
    )
    // What left the allocations went to the providers, the burn and royalties; Payments' own balance
    // moved by exactly the deposit minus what it paid out.
    const after = await moneyOf(net, accounts, [net.royaltyReceiver], channels)
    const delta = moved(before, after)
    const toProviders = delta.toAccounts - withdrawn + deposit // the payer's own balance moved by −deposit + withdrawn
    assert.equal(
      delta.paid,
      toProviders + delta.burned + delta.royalties,
      'paid = providers + burned + royalties',
    )
    assert.equal(delta.held, deposit - withdrawn - toProviders - delta.flushed, 'Payments holds the rest')
    assert.equal(await net.read.getCode({ address: payer.address }), designator, 'still delegated throughout')
  })

  // Issue 11, attack 6: "anyone could register a popular model id in the ModelRegistry and raise its
  // royalty to 20% just before providers redeem; the owner key can make itself slasher or minter at once."
  it('a squatted model id: its royalty raise only takes effect after royaltyIncreaseDelay, a redemption before pays the squatter nothing; the owner cannot make itself minter or slasher', async () => {
    const { token, payments, models, registry, emissions, disputes } = net.deployment.contracts
    const squatter = devAccount(7)
    const payer = devAccount(3)
    const provider = devAccount(4)
    // The id of a popular weights file nobody registered yet, taken with no royalty and raised to 20%.
    const squatted = sha256(stringToBytes('Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf'))
    await send(squatter, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [squatted, 'llama-3.1-8b-instruct', '', 0, squatter.address],
    })
    const raised = await send(squatter, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'setRoyalty',
      args: [squatted, 2000, squatter.address],
    })
    const { timestamp } = await net.read.getBlock({ blockNumber: raised.blockNumber })
    const readModels = <T>(functionName: string, args: unknown[] = []) =>
      net.read.readContract({
        address: models,
        abi: modelRegistryAbi,
        functionName,
        args,
      } as never) as Promise<T>
    const readPayments = <T>(functionName: string) =>
      net.read.readContract({ address: payments, abi: paymentsAbi, functionName } as never) as Promise<T>
    const delay = await readModels<bigint>('royaltyIncreaseDelay')
    assert.ok(
      delay >=
        (await readPayments<bigint>('withdrawDelay')) + (await readPayments<bigint>('SETTLEMENT_INTERVAL')),
      'a rise waits longer than a payer must leave its provider to redeem',
    )
    assert.deepEqual(await readModels('royaltyInfo', [squatted]), [zeroAddress, 0n])
    assert.deepEqual(await readModels('pendingRoyalty', [squatted]), [2000, timestamp + delay])

    // A payer pays a provider for work on that model before the rise: the redemption pays no royalty.
    const deposit = parseEther('3')
    const allocation = parseEther('1')
    const amount = parseEther('0.5')
    await send(devAccount(0), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'transfer',
      args: [payer.address, deposit],
    })
    await send(payer, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [payments, deposit],
    })
    await send(payer, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'depositAndAllocate',
      args: [deposit, [{ provider: provider.address, amount: allocation }]],
    })
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId: squatted,
      cumulativeAmount: amount,
    }
    const signature = await signVoucher({
      account: payer,
      chainId: net.deployment.chainId,
      payments,
      voucher,
    })
    const channels = [{ payer: payer.address, provider: provider.address, modelId: squatted }]
    const before = await moneyOf(net, [provider.address], [squatter.address], channels)
    await send(provider, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    const delta = moved(before, await moneyOf(net, [provider.address], [squatter.address], channels))
    const burnBps = BigInt(await readPayments<number>('burnBps'))
    assert.deepEqual(delta, {
      toAccounts: amount - (amount * burnBps + 9_999n) / 10_000n,
      flushed: 0n,
      burned: (amount * burnBps + 9_999n) / 10_000n,
      royalties: 0n,
      paid: amount,
      held: -(amount - (amount * burnBps + 9_999n) / 10_000n),
    })
    assert.equal(delta.paid, delta.toAccounts + delta.burned + delta.royalties)
    // Every wei of the payer's deposit: paid + still deposited (nothing withdrawn).
    const left = await depositOf(net, payer.address, [provider.address], squatted)
    assert.equal(left.paid, amount)
    assert.equal(deposit, left.paid + left.held)

    // The rise is real, only late: in force once the delay has passed.
    await warp(net, delay)
    assert.deepEqual(await readModels('royaltyInfo', [squatted]), [squatter.address, 2000n])

    // The owner key (the deployer: this devnet has no timelock) cannot take the minter's or the
    // slasher's role: Emissions and Disputes hold them for good.
    const deployer = devAccount(0).address
    const owner = (address: Address, abi: readonly unknown[]) =>
      net.read.readContract({ address, abi, functionName: 'owner' } as never) as Promise<Address>
    assert.equal(await owner(token, meshTokenAbi), deployer)
    assert.equal(await owner(registry, registryAbi), deployer)
    assert.deepEqual(
      await revertOf(net, deployer, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'setMinter',
        args: [deployer],
      }),
      { name: 'MinterAlreadySet', args: [emissions] },
    )
    assert.deepEqual(
      await revertOf(net, deployer, {
        address: registry,
        abi: registryAbi,
        functionName: 'setSlasher',
        args: [deployer],
      }),
      { name: 'SlasherAlreadySet', args: [disputes] },
    )
  })

  // Issue 11, attack 3: "the provider accepted voucher signatures with v = 0/1 that the contract rejects,
  // and stored vouchers before checking the deposit: one such voucher from a fresh key made every
  // redeemBatch revert; fifty valid vouchers from zero-deposit keys filled the first batch, which paid 0
  // and stopped, and the honest payer withdrew unpaid."
  it('vouchers with v = 0/1 and from 50 fresh keys without allocation are refused and never stored; the honest payer’s channel is redeemed in one settle', async () => {
    const { chainId } = net.deployment
    const { payments } = net.deployment.contracts
    const provider = honest.account.address
    // The honest payer (the gateway) has work at the provider.
    for (let i = 0; i < 2; i++) {
      const response = await chat(net, {
        messages: [{ role: 'user', content: `honest ${i}` }],
        max_tokens: 4,
      })
      assert.equal(response.status, 200, await response.text())
    }
    const attempt = (signed: {
      voucher: Parameters<typeof encodeSignedVoucher>[0]['voucher']
      signature: Hex
    }) =>
      providers.chat({
        endpoint: honest.running.url,
        body: { model: 'tiny', messages: [{ role: 'user', content: 'free?' }], max_tokens: 4 },
        voucher: encodeSignedVoucher(signed),
        deadlineMs: 60_000,
      })
    const voucherOf = async (account: LocalAccount, cumulativeAmount: bigint) => {
      const voucher = { payer: account.address, provider, modelId: net.modelId, cumulativeAmount }
      return { voucher, signature: await signVoucher({ account, chainId, payments, voucher }) }
    }
    const attackers: Address[] = []
    const outcomes: Record<string, number> = {}
    for (let i = 0; i < 50; i++) {
      const attacker = privateKeyToAccount(generatePrivateKey())
      attackers.push(attacker.address)
      const answer = await attempt(await voucherOf(attacker, 10n ** 30n))
      const outcome = answer.kind === 'refusal' ? `${answer.status} ${answer.code}` : describeAnswer(answer)
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    }
    assert.deepEqual(outcomes, { '402 deposit_insufficient': 50 })
    // v = 0/1 (the contract refuses it): a fresh key's, and the honest payer's own, for 1 MESH.
    const lowV = ({ voucher, signature }: Awaited<ReturnType<typeof voucherOf>>) => ({
      voucher,
      signature: `${signature.slice(0, 130)}0${Number.parseInt(signature.slice(130), 16) - 27}` as Hex,
    })
    const fresh = privateKeyToAccount(generatePrivateKey())
    attackers.push(fresh.address)
    for (const account of [fresh, net.payer]) {
      const answer = await attempt(lowV(await voucherOf(account, parseEther('1'))))
      assert.equal(
        answer.kind === 'refusal' && `${answer.status} ${answer.code}`,
        '402 voucher_invalid_signature',
        describeAnswer(answer),
      )
    }

    // The gateway hands in its voucher for all verified work; the provider's channel holds exactly that,
    // not the 1 MESH of the v = 0/1 voucher (which, stored, would have made it voucher_lowered).
    await net.gateway.flushVouchers()
    const billed = await net.gateway.ledger.billed(provider, net.modelId)
    const channel = await fetch(`${honest.running.url}/infermesh/v1/vouchers`, {
      method: 'POST',
      headers: { [voucherHeader]: encodeSignedVoucher(await voucherOf(net.payer, billed)) },
    })
    assert.equal(channel.status, 200)
    assert.deepEqual(await channel.json(), {
      payer: net.payer.address,
      modelId: net.modelId.toLowerCase(),
      owed: billed.toString(),
      voucher: billed.toString(),
    })

    // One settle, one transaction, one channel: the honest payer's, paid to the wei.
    const channels = [{ payer: net.payer.address, provider, modelId: net.modelId }]
    const before = await moneyOf(net, [provider], [net.royaltyReceiver], channels)
    const paidBefore = before.paid[0] as bigint
    const result = await honest.running.settler.settleNow(0n)
    assert.deepEqual(
      {
        channels: result.channels,
        transactions: result.transactions,
        skipped: result.skipped,
        amount: result.amount,
      },
      { channels: 1, transactions: 1, skipped: 0, amount: billed - paidBefore },
    )
    const after = await moneyOf(net, [provider], [net.royaltyReceiver], channels)
    const delta = moved(before, after)
    assert.equal(after.paid[0], billed)
    // Split as the contract says: burn rounded up, the model's royalty in force rounded down, the rest paid.
    const burnBps = BigInt(
      await net.read.readContract({ address: payments, abi: paymentsAbi, functionName: 'burnBps' }),
    )
    const [, royaltyBps] = await net.read.readContract({
      address: net.deployment.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'royaltyInfo',
      args: [net.modelId],
    })
    assert.equal(delta.burned, (result.amount * burnBps + 9_999n) / 10_000n)
    assert.equal(delta.royalties, (result.amount * royaltyBps) / 10_000n)
    assert.equal(
      delta.paid,
      delta.toAccounts + delta.burned + delta.royalties,
      'paid = provider + burned + royalties',
    )
    assert.equal(delta.held, -(delta.toAccounts + delta.flushed))
    // The gateway's deposit, every wei: paid + still deposited (it withdrew nothing).
    const left = await depositOf(net, net.payer.address, [provider])
    assert.equal(left.paid, billed)
    assert.equal(parseEther('1000'), left.paid + left.held)

    // Never stored: the provider's ledger, read once the daemon is stopped, holds no attacker's channel.
    await honest.running.close()
    const db = await openDatabase({ dataDir: join(net.dir, 'provider-0') })
    try {
      const ledger = await createSqlChannelLedger(db)
      const payers = await ledger.payers()
      assert.ok(payers.includes(net.payer.address))
      assert.deepEqual(
        payers.filter((payer) => payer !== net.payer.address && payer !== hostilePayer.address),
        [],
      )
      assert.ok(attackers.every((attacker) => !payers.includes(attacker)))
      const stored = await ledger.get(net.payer.address, net.modelId.toLowerCase() as Hex)
      assert.deepEqual([stored.voucher, stored.redeemed], [billed, billed])
    } finally {
      await db.close()
    }
  })
})
