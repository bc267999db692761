import { chat, type DiscoveredProvider, type Discovery, peerFetch } from '@infermesh/client'
import { type Payer, requestBounds, usageOf, worstCaseCost } from '@infermesh/payments'
import {
  decodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  type Receipt,
} from '@infermesh/protocol'
import type { Address, Hex } from 'viem'

/** A paid probe's answer: re-executed like any sample, since nobody can tell it from customer work. */
export type ProbeAnswer = {
  /** Probes are chats. */
  kind: 'chat'
  provider: Address
  receipt: Receipt
  /** The provider's signature of the receipt. */
  signature: Hex
  receiptDigest: Hex
  request: Record<string, unknown>
  response: string
}

export type ProberOptions = {
  /** Who to probe (`providers`) and at what prices (`offerOf`): the client's discovery. */
  discovery: Pick<Discovery, 'providers' | 'offerOf' | 'used'>
  /** Call providers at loopback and private addresses: a devnet only (config `allowPrivatePeers`). */
  allowPrivate: boolean
  chainId: number
  payments: Address
  /** Pays probes like a customer (vouchers) and checks their receipts; absent: health only. */
  payer?: Payer
  /** Epoch of a moment (ms since 1970), as the contracts count them. */
  epochAt: (ms: number) => bigint
  intervalMs: number
  timeoutMs: number
  maxTokens: number
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  onAnswer?: (answer: ProbeAnswer) => void
  random?: () => number
}

/** Probe outcomes of one provider in one epoch. */
export type ProbeTally = { attempts: number; successes: number }

const words = [
  'amber',
  'river',
  'cobalt',
  'lantern',
  'orbit',
  'meadow',
  'quartz',
  'ember',
  'harbor',
  'violet',
]

/**
 * Liveness (DESIGN rule 5): probes every provider on a schedule — `/health`, then a tiny chat request
 * with a random prompt, paid with a voucher and checked against its signed receipt like a customer's —
 * and tallies successes per epoch. The epoch's uptime score is successes ÷ attempts × 10,000.
 */
export function createProber(options: ProberOptions) {
  const random = options.random ?? Math.random
  const tallies = new Map<bigint, Map<string, ProbeTally & { provider: Address }>>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined

  function tally(epoch: bigint, provider: Address, ok: boolean) {
    let epochTallies = tallies.get(epoch)
    if (!epochTallies) {
      epochTallies = new Map()
      tallies.set(epoch, epochTallies)
    }
    const entry = epochTallies.get(provider.toLowerCase()) ?? { provider, attempts: 0, successes: 0 }
    entry.attempts++
    if (ok) entry.successes++
    epochTallies.set(provider.toLowerCase(), entry)
  }

  async function probeOne(provider: DiscoveredProvider) {
    const epoch = options.epochAt(Date.now())
    let ok = false
    try {
      const health = await peerFetch(`${provider.endpoint.replace(/\/+$/, '')}/health`, {
        allowPrivate: options.allowPrivate,
        deadlineMs: options.timeoutMs,
      })
      await health.body?.cancel().catch(() => {})
      if (!health.ok) throw new Error(`/health answered ${health.status}`)
      ok = true
      // Discovery lists what the provider's /v1/models said; ask for a fresh look when it said nothing.
      if (provider.models.length === 0) options.discovery.used(provider.address)
      const model = provider.models[Math.floor(random() * provider.models.length)]
      if (options.payer && options.maxTokens > 0 && model) {
        ok = await paidProbe(provider, model.name)
      }
    } catch (error) {
      options.log.warn({ msg: 'probe failed', provider: provider.address, err: (error as Error).message })
      ok = false
    }
    tally(epoch, provider.address, ok)
  }

  async function paidProbe(provider: DiscoveredProvider, modelName: string): Promise<boolean> {
    const payer = options.payer as Payer
    const offer = options.discovery.offerOf(provider.address, modelName)
    if (!offer) return true // no on-chain offer for what it serves: nothing to pay for, health counted
    const prompt = Array.from({ length: 3 }, () => words[Math.floor(random() * words.length)]).join(' ')
    const request = {
      model: offer.providerModelName,
      messages: [{ role: 'user', content: prompt }],
      max_tokens: options.maxTokens,
      temperature: 0,
    }
    const bounds = requestBounds('chat', request, { contextTokens: options.maxTokens })
    const worstCase = worstCaseCost(bounds, offer)
    // Never probe-pay a provider the payer cannot pay within its allocation: health counted only.
    if (!(await payer.canPay(offer.provider, worstCase))) return true
    try {
      return await paidCall(payer, offer, request, bounds)
    } finally {
      payer.paid(offer.provider, worstCase)
    }
  }

  async function paidCall(
    payer: Payer,
    offer: NonNullable<ReturnType<ProberOptions['discovery']['offerOf']>>,
    request: Record<string, unknown> & { messages: { role: string; content: string }[] },
    bounds: ReturnType<typeof requestBounds>,
  ): Promise<boolean> {
    // A 402 once: the voucher may be behind (another process on this ledger billed more), so sign
    // again from a fresh read of the ledger; a second refusal fails the probe.
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await chat(
        { allowPrivate: options.allowPrivate },
        {
          endpoint: offer.endpoint,
          body: request,
          voucher: await payer.voucherHeader(offer.provider, offer.modelId, attempt > 0),
          deadlineMs: options.timeoutMs,
        },
      )
      if (answer.kind === 'refusal') {
        if (answer.status === 402 && attempt === 0) continue
        throw new Error(
          `the paid probe answered ${answer.status}${answer.code ? ` ${answer.code}` : ''}${answer.detail ? `: ${answer.detail}` : ''}`,
        )
      }
      if (answer.kind !== 'json') {
        await answer.cancel()
        throw new Error('the paid probe was answered with a stream it did not ask for')
      }
      const text = answer.body.choices[0]?.message?.content ?? ''
      const receipt = await payer.acceptReceipt(answer.receipt, {
        offer,
        requestHash: hashRequest('chat', request),
        responseHash: hashResponse(text),
        bounds,
        usage: usageOf(answer.body.usage),
      })
      options.onAnswer?.({
        kind: 'chat',
        provider: offer.provider,
        receipt,
        signature: decodeSignedReceipt(answer.receipt as string).signature,
        receiptDigest: hashReceipt(options.chainId, options.payments, receipt),
        request,
        response: text,
      })
      return true
    }
    throw new Error('the paid probe was refused twice')
  }

  async function round() {
    await Promise.all(options.discovery.providers().map(probeOne))
  }

  return {
    /** Probes every provider now (one round). */
    round,
    /** Starts probing every `intervalMs`. */
    start() {
      const tick = () => {
        running ??= round().finally(() => {
          running = undefined
        })
      }
      tick()
      timer = setInterval(tick, options.intervalMs)
      timer.unref()
    },
    async stop() {
      clearInterval(timer)
      await running
    },
    /** The tallies of one epoch, per provider. */
    tallies(epoch: bigint): (ProbeTally & { provider: Address })[] {
      return [...(tallies.get(epoch)?.values() ?? [])]
    },
    /** Forgets epochs before `epoch`. */
    prune(epoch: bigint) {
      for (const key of tallies.keys()) if (key < epoch) tallies.delete(key)
    },
  }
}

export type Prober = ReturnType<typeof createProber>
