/** How often to probe: providers in use often, idle ones less and less. */
export type ProbeSchedulerOptions = {
  /** Probe period of a provider routed to within `hotWindowMs`. */
  hotProbeMs: number
  /** The longest an idle provider goes unprobed (its backoff doubles up to this). */
  idleProbeMaxMs: number
  /** How long after it was last routed to a provider still counts as in use. */
  hotWindowMs: number
  /** Spread of each period, as a fraction (0.1 = ±10%), so probes do not bunch up. Default 0.1. */
  jitter?: number
  /** Uniform random numbers in [0, 1); `Math.random` unless a test fixes them. */
  random?: () => number
}

type Slot = { next: number; period: number; usedAt: number; inFlight: boolean }

/**
 * When to probe each provider, in proportion to use (DESIGN: discovery that scales). A provider
 * routed to within `hotWindowMs` is probed every `hotProbeMs`; an idle one backs off exponentially
 * from `hotProbeMs` up to `idleProbeMaxMs`; a new or changed provider (a Registry event) is due at
 * once, and so is an idle provider the moment it is routed to again. Pure bookkeeping: the caller asks
 * `due(now)` for keys to probe and reports each probe `done`.
 *
 * @example
 * ```ts
 * const scheduler = createProbeScheduler({ hotProbeMs: 5_000, idleProbeMaxMs: 300_000, hotWindowMs: 60_000 })
 * scheduler.add('0xabc…', Date.now())
 * for (const key of scheduler.due(Date.now(), 16)) probe(key).finally(() => scheduler.done(key, Date.now()))
 * ```
 */
export function createProbeScheduler(options: ProbeSchedulerOptions) {
  const { hotProbeMs, idleProbeMaxMs, hotWindowMs } = options
  const jitter = options.jitter ?? 0.1
  const random = options.random ?? Math.random
  const slots = new Map<string, Slot>()
  const spread = (ms: number) => ms * (1 - jitter + 2 * jitter * random())

  return {
    /** A provider to follow; due at `now` (a new provider is probed at once). */
    add(key: string, now: number) {
      const slot = slots.get(key)
      if (slot) {
        slot.next = Math.min(slot.next, now)
        slot.period = hotProbeMs
      } else
        slots.set(key, { next: now, period: hotProbeMs, usedAt: Number.NEGATIVE_INFINITY, inFlight: false })
    },
    /** The provider is gone: stop probing it. */
    remove(key: string) {
      slots.delete(key)
    },
    /** The provider was routed to: it is hot now; due at once if it had backed off past the hot period. */
    used(key: string, now: number) {
      const slot = slots.get(key)
      if (!slot) return
      const wasIdle = now - slot.usedAt > hotWindowMs
      slot.usedAt = now
      if (wasIdle && slot.period > hotProbeMs) {
        slot.period = hotProbeMs
        slot.next = Math.min(slot.next, now)
      }
    },
    /**
     * Up to `limit` providers due at `now`, most overdue first; each is marked in flight until `done`.
     */
    due(now: number, limit: number): string[] {
      if (limit <= 0) return []
      const ready: [string, number][] = []
      for (const [key, slot] of slots) if (!slot.inFlight && slot.next <= now) ready.push([key, slot.next])
      if (ready.length > limit) ready.sort((a, b) => a[1] - b[1])
      const picked = ready.slice(0, limit).map(([key]) => key)
      for (const key of picked) (slots.get(key) as Slot).inFlight = true
      return picked
    },
    /** A probe of `key` finished (either way): schedules the next one. */
    done(key: string, now: number) {
      const slot = slots.get(key)
      if (!slot) return
      slot.inFlight = false
      const hot = now - slot.usedAt <= hotWindowMs
      slot.period = hot ? hotProbeMs : Math.min(idleProbeMaxMs, slot.period * 2)
      slot.next = now + spread(slot.period)
    },
    /** When `key` is next due (ms since epoch), or undefined when it is not followed. */
    nextOf: (key: string) => slots.get(key)?.next,
    /** The current period of `key`, in ms. */
    periodOf: (key: string) => slots.get(key)?.period,
    size: () => slots.size,
  }
}

export type ProbeScheduler = ReturnType<typeof createProbeScheduler>
