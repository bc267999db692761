import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLimiter } from './createLimiter.js'

describe('createLimiter', () => {
  it('runs up to its concurrency, queues up to maxQueue, and refuses one more with 429 queue_full', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 1 })
    const free = await limiter.acquire()
    const queued = limiter.acquire()
    assert.deepEqual([limiter.running, limiter.queued], [1, 1])
    await assert.rejects(limiter.acquire(), {
      name: 'ProviderError',
      status: 429,
      code: 'queue_full',
      retryable: true,
      message:
        'The provider is busy: 1 requests running and 1 queued. Retry in a second or use another provider.',
    })
    free()
    const next = await queued
    assert.deepEqual([limiter.running, limiter.queued], [1, 0], 'the slot passed straight to the waiter')
    next()
    next()
    assert.deepEqual([limiter.running, limiter.queued], [0, 0], 'freeing twice frees once')
  })

  it('lets a waiter whose signal aborts leave the queue at once, with the signal’s reason, taking no slot', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 2 })
    const free = await limiter.acquire()
    const leaving = new AbortController()
    const left = limiter.acquire(leaving.signal)
    const stays = limiter.acquire()
    assert.equal(limiter.queued, 2)
    const reason = new Error('the client went away')
    leaving.abort(reason)
    await assert.rejects(left, (error) => error === reason)
    assert.equal(limiter.queued, 1, 'the aborted waiter left the queue')
    free()
    const freeNext = await stays
    assert.deepEqual([limiter.running, limiter.queued], [1, 0], 'the slot went to the waiter that stayed')
    freeNext()
    assert.equal(limiter.running, 0)
  })

  it('refuses at once a request whose signal has already aborted', async () => {
    const limiter = createLimiter({ concurrency: 4, maxQueue: 4 })
    const reason = new Error('gone')
    await assert.rejects(limiter.acquire(AbortSignal.abort(reason)), (error) => error === reason)
    assert.equal(limiter.running, 0)
  })
})
