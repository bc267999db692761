import type { Candidate, Discovery } from '@infermesh/gateway'
import type { Payer } from '@infermesh/payments'
import {
  decodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  type Receipt,
  receiptHeader,
  voucherHeader,
} from '@infermesh/protocol'
import type { Address, Hex } from 'viem'

/** A paid probe's answer: re-executed like any sample, since nobody can tell it from customer work. */
export type ProbeAnswer = {
  provider: Address
  receipt: Receipt
  /** The provider's signature of the receipt. */
  signature: Hex
  receiptDigest: Hex
  request: Record<string, unknown>
  response: string
}

export type ProberOptions = {
  discovery: Discovery
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

  async function probeOne(provider: { address: Address; endpoint: string; models: { name: string }[] }) {
    const epoch = options.epochAt(Date.now())
    let ok = false
    try {
      const health = await fetch(`${provider.endpoint}/health`, {
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      if (!health.ok) throw new Error(`/health answered ${health.status}`)
      ok = true
      const model = provider.models[Math.floor(random() * provider.models.length)]
      if (options.payer && options.maxTokens > 0 && model) {
        ok = await paidProbe(provider.address, provider.endpoint, model.name)
      }
    } catch (error) {
      options.log.warn({ msg: 'probe failed', provider: provider.address, err: (error as Error).message })
      ok = false
    }
    tally(epoch, provider.address, ok)
  }

  async function paidProbe(provider: Address, endpoint: string, modelName: string): Promise<boolean> {
    const payer = options.payer as Payer
    const candidate = options.discovery
      .candidates(modelName)
      .find((c: Candidate) => c.provider.toLowerCase() === provider.toLowerCase())
    if (!candidate) return true // no offer for what it serves: nothing to pay for, health counted
    const prompt = Array.from({ length: 3 }, () => words[Math.floor(random() * words.length)]).join(' ')
    const request = {
      model: candidate.providerModelName,
      messages: [{ role: 'user', content: prompt }],
      max_tokens: options.maxTokens,
      temperature: 0,
    }
    let resynced = false
    for (;;) {
      const response = await fetch(`${endpoint}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [voucherHeader]: await payer.voucherHeader(provider, candidate.modelId, resynced),
        },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      if (response.status === 402 && !resynced) {
        await response.text()
        resynced = true
        continue
      }
      if (!response.ok)
        throw new Error(`the paid probe answered ${response.status}: ${await response.text()}`)
      const json = (await response.json()) as { choices?: { message?: { content?: string } }[] }
      const text = json.choices?.[0]?.message?.content ?? ''
      const encoded = response.headers.get(receiptHeader)
      const receipt = await payer.acceptReceipt(encoded, {
        offer: candidate,
        requestHash: hashRequest(request),
        responseHash: hashResponse(text),
      })
      options.onAnswer?.({
        provider,
        receipt,
        signature: decodeSignedReceipt(encoded as string).signature,
        receiptDigest: hashReceipt(options.chainId, options.payments, receipt),
        request,
        response: text,
      })
      return true
    }
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
