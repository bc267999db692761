import assert from 'node:assert/strict'
import { it } from 'node:test'
import { BaseError, walkCause } from '../errors/BaseError.js'
import { createShutdown } from './createShutdown.js'

it('closes in reverse order, once, and keeps going past a failing step', async () => {
  const shutdown = createShutdown()
  const order: string[] = []
  shutdown.add('database', () => order.push('database'))
  shutdown.add('server', () => {
    order.push('server')
    throw new Error('port stuck')
  })
  shutdown.add('settler', async () => order.push('settler'))
  const [first, second] = [shutdown.run(), shutdown.run()]
  assert.equal(first, second)
  const failures = await first
  assert.deepEqual(order, ['settler', 'server', 'database'])
  assert.deepEqual(
    failures.map((failure) => failure.name),
    ['server'],
  )
  assert.equal(shutdown.closing, true)
})

it('walks the cause chain of a BaseError', () => {
  class ChainError extends BaseError {
    override name = 'ChainError' as const
  }
  const root = new TypeError('fetch failed')
  const error = new ChainError('the RPC did not answer', {
    cause: new Error('timeout', { cause: root }),
    retryable: true,
  })
  assert.equal(error.walk(), root)
  assert.equal(
    error.walk((e) => e instanceof TypeError),
    root,
  )
  assert.equal(error.details, 'timeout')
  assert.equal(error.retryable, true)
  assert.equal(
    walkCause(error, (e) => e instanceof RangeError),
    null,
  )
})
