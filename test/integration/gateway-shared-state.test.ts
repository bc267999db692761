import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startPostgres, type TestPostgres } from '@infermesh/node/testing'
import { encodeSignedVoucher, paymentsAbi, signVoucher, voucherHeader } from '@infermesh/protocol'
import OpenAI from 'openai'
import { type NetworkFixture, startNetwork } from '../support/networkFixture.js'

/** Payment refusals of one kind the gateways met, from their Prometheus metrics. */
async function refusals(gatewayUrls: string[], code: string): Promise<number> {
  let total = 0
  for (const url of gatewayUrls) {
    const text = await (await fetch(`${url}/metrics`)).text()
    for (const line of text.split('\n')) {
      if (line.startsWith(`infermesh_gateway_upstream_attempts_total{outcome="payment_${code}"}`))
        total += Number(line.split(' ').at(-1))
    }
  }
  return total
}

/** The provider's view of the channel (owed by its receipts, highest voucher held), after handing in `amount`. */
async function providerChannel(net: NetworkFixture, index: number, amount: bigint) {
  const provider = net.providers[index]
  assert.ok(provider)
  const voucher = {
    payer: net.payer.address,
    provider: provider.account.address,
    modelId: net.modelId,
    cumulativeAmount: amount,
  }
  const signature = await signVoucher({
    account: net.payer,
    chainId: net.deployment.chainId,
    payments: net.deployment.contracts.payments,
    voucher,
  })
  const response = await fetch(`${provider.running.url}/infermesh/v1/vouchers`, {
    method: 'POST',
    headers: { [voucherHeader]: encodeSignedVoucher({ voucher, signature }) },
  })
  const channel = (await response.json()) as { owed: string; voucher: string }
  return { owed: channel.owed, voucher: channel.voucher }
}

describe('gateways sharing one payer on a real PostgreSQL', () => {
  let postgres: TestPostgres
  let net: NetworkFixture

  before(async () => {
    postgres = await startPostgres()
    net = await startNetwork({ providers: 2, databaseUrl: postgres.url })
  })
  after(async () => {
    await net?.close()
    await postgres?.stop()
  })

  it('share channel counters safely: two gateways under concurrent load never lower or reuse a cumulative', async () => {
    const second = await net.startGateway()
    const clients = [net.gateway.url, second.url].map(
      (url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: net.apiKey, maxRetries: 0 }),
    )
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        clients[i % 2]?.chat.completions.create({
          model: 'tiny',
          messages: [{ role: 'user', content: `shared ${i}` }],
          max_tokens: 4,
        }),
      ),
    )
    assert.equal(results.length, 24)
    // A lagging voucher would be refused as stale; none is.
    assert.equal(await refusals([net.gateway.url, second.url], 'voucher_stale'), 0)

    // Every verified receipt was counted once across both gateways: settle and compare with the chain.
    await net.gateway.flushVouchers()
    let served = 0
    for (const [index, provider] of net.providers.entries()) {
      const billed = await net.gateway.ledger.billed(provider.account.address, net.modelId)
      // A provider routing never chose got no allocation, and takes no voucher from a payer without one.
      if (billed === 0n) continue
      served++
      // What the provider counted in receipts is exactly what the gateways counted and signed.
      assert.deepEqual(await providerChannel(net, index, billed), {
        owed: billed.toString(),
        voucher: billed.toString(),
      })
      await provider.running.settler.settleNow()
      const paid = await net.read.readContract({
        address: net.deployment.contracts.payments,
        abi: paymentsAbi,
        functionName: 'paid',
        args: [net.payer.address, provider.account.address, net.modelId],
      })
      assert.equal(paid, billed)
    }
    assert.ok(served > 0, 'some provider served')
  })

  it('survive a gateway restart during load: every request is answered and no voucher is refused', async () => {
    const port = Number(new URL(net.gateway.url).port)
    const before = await Promise.all(
      net.providers.map((p) => net.gateway.ledger.billed(p.account.address, net.modelId)),
    )
    const client = new OpenAI({ baseURL: `${net.gateway.url}/v1`, apiKey: net.apiKey, maxRetries: 4 })
    const load = Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        client.chat.completions.create({
          model: 'tiny',
          messages: [{ role: 'user', content: `restart ${i}` }],
          max_tokens: 4,
        }),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 30))
    await net.gateway.close()
    await net.startGateway(port)
    const results = await load
    assert.equal(results.length, 16)
    assert.equal(await refusals([net.gateway.url], 'voucher_stale'), 0)
    await net.gateway.flushVouchers()
    for (const [index, provider] of net.providers.entries()) {
      const billed = await net.gateway.ledger.billed(provider.account.address, net.modelId)
      assert.ok(billed >= (before[index] ?? 0n), 'the restart did not lower any channel')
      if (billed === 0n) continue // never routed to: no allocation, no voucher taken
      // Provider and gateway agree to the wei: nothing was billed twice or lost across the restart.
      assert.deepEqual(await providerChannel(net, index, billed), {
        owed: billed.toString(),
        voucher: billed.toString(),
      })
    }
  })
})
