import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createKeyedLock } from './createKeyedLock.js'

it('runs calls with one key one at a time, in order, past a failure; other keys run alongside', async () => {
  const lock = createKeyedLock()
  const events: string[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const first = lock('a', async () => {
    events.push('a1 start')
    await gate
    events.push('a1 end')
    throw new Error('a1 failed')
  })
  const second = lock('a', async () => {
    events.push('a2')
    return 2
  })
  const other = lock('b', async () => {
    events.push('b1')
    return 'b'
  })
  assert.equal(await other, 'b')
  assert.deepEqual(events, ['a1 start', 'b1'], 'b ran while a1 held the lock of a')
  release()
  await assert.rejects(first, /a1 failed/)
  assert.equal(await second, 2)
  assert.deepEqual(events, ['a1 start', 'b1', 'a1 end', 'a2'])
})
