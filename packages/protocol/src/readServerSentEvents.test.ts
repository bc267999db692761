import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readServerSentEvents } from './readServerSentEvents.js'

/** A body that arrives in the given pieces, split anywhere (even inside an event). */
const bodyOf = (...pieces: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece))
      controller.close()
    },
  })

describe('readServerSentEvents', () => {
  it('yields named and unnamed events whole, however the bytes are split', async () => {
    const events = []
    for await (const event of readServerSentEvents(
      bodyOf('data: {"a"', ':1}\n\nevent: infermesh.receipt\nda', 'ta: {"r":2}\n\ndata: [DONE]\n\n'),
    )) {
      events.push(event)
    }
    assert.deepEqual(events, [
      { event: undefined, data: '{"a":1}', raw: 'data: {"a":1}\n\n' },
      { event: 'infermesh.receipt', data: '{"r":2}', raw: 'event: infermesh.receipt\ndata: {"r":2}\n\n' },
      { event: undefined, data: '[DONE]', raw: 'data: [DONE]\n\n' },
    ])
  })

  it('ignores an unfinished event at the end of the body', async () => {
    const events = []
    for await (const event of readServerSentEvents(bodyOf('data: 1\n\ndata: 2'))) events.push(event.data)
    assert.deepEqual(events, ['1'])
  })
})
