import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createProbeScheduler } from './createProbeScheduler.js'

const options = { hotProbeMs: 1_000, idleProbeMaxMs: 16_000, hotWindowMs: 10_000, jitter: 0 }

/** Runs the scheduler for `ms` of simulated time, probing whatever is due; counts probes per key. */
function simulate(
  scheduler: ReturnType<typeof createProbeScheduler>,
  ms: number,
  onTick: (now: number) => void = () => {},
) {
  const probes = new Map<string, number>()
  for (let now = 0; now <= ms; now += 100) {
    onTick(now)
    for (const key of scheduler.due(now, 100)) {
      probes.set(key, (probes.get(key) ?? 0) + 1)
      scheduler.done(key, now)
    }
  }
  return probes
}

describe('createProbeScheduler', () => {
  it('probes a new provider at once, then backs off exponentially while it is idle, up to the cap', () => {
    const scheduler = createProbeScheduler(options)
    scheduler.add('idle', 0)
    assert.deepEqual(scheduler.due(0, 10), ['idle'])
    scheduler.done('idle', 0)
    const periods: number[] = []
    for (let now = 0, i = 0; i < 6; i++) {
      now = scheduler.nextOf('idle') as number
      assert.deepEqual(scheduler.due(now, 10), ['idle'])
      scheduler.done('idle', now)
      periods.push(scheduler.periodOf('idle') as number)
    }
    assert.deepEqual(periods, [4_000, 8_000, 16_000, 16_000, 16_000, 16_000])
  })

  it('probes providers in use every hot period, and many times more often than idle ones', () => {
    const scheduler = createProbeScheduler(options)
    scheduler.add('used', 0)
    scheduler.add('idle', 0)
    const probes = simulate(scheduler, 120_000, (now) => {
      if (now % 1_000 === 0) scheduler.used('used', now)
    })
    // Used: every second for two minutes. Idle: at 0, 2, 6, 14 and 30 s, then every 16 s (46 … 110).
    assert.ok((probes.get('used') ?? 0) >= 115, `used probed ${probes.get('used')} times`)
    assert.equal(probes.get('idle'), 10)
  })

  it('makes an idle provider due at once when it is routed to again', () => {
    const scheduler = createProbeScheduler(options)
    scheduler.add('p', 0)
    simulate(scheduler, 60_000)
    assert.equal(scheduler.periodOf('p'), 16_000)
    const next = scheduler.nextOf('p') as number
    assert.ok(next > 60_000)
    scheduler.used('p', 60_000)
    assert.equal(scheduler.nextOf('p'), 60_000)
    assert.deepEqual(scheduler.due(60_000, 10), ['p'])
    scheduler.done('p', 60_000)
    assert.equal(scheduler.nextOf('p'), 61_000)
  })

  it('never hands out a provider twice while its probe is in flight, nor more than the limit, most overdue first', () => {
    const scheduler = createProbeScheduler(options)
    scheduler.add('late', 0)
    scheduler.add('later', 5)
    scheduler.add('latest', 10)
    assert.deepEqual(scheduler.due(20, 2), ['late', 'later'])
    assert.deepEqual(scheduler.due(20, 2), ['latest'])
    assert.deepEqual(scheduler.due(20, 2), [])
    scheduler.remove('late')
    scheduler.done('late', 20) // a probe of a removed provider finishing changes nothing
    assert.equal(scheduler.size(), 2)
  })

  it('spreads periods by the jitter so probes do not bunch up', () => {
    const draws = [0, 1]
    const scheduler = createProbeScheduler({ ...options, jitter: 0.1, random: () => draws.shift() ?? 0.5 })
    scheduler.add('a', 0)
    scheduler.add('b', 0)
    scheduler.due(0, 10)
    scheduler.done('a', 0)
    scheduler.done('b', 0)
    assert.equal(scheduler.nextOf('a'), 1_800)
    assert.equal(scheduler.nextOf('b'), 2_200)
  })
})
