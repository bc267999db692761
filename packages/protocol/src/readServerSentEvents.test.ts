import assert from 'node:assert/strict'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { describe, it } from 'node:test'
import { readServerSentEvents, ServerSentEventsError } from './readServerSentEvents.js'

/** A body that arrives in the given pieces, split anywhere (even inside an event or a CRLF). */
const bodyOf = (...pieces: (string | Uint8Array)[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces)
        controller.enqueue(typeof piece === 'string' ? new TextEncoder().encode(piece) : piece)
      controller.close()
    },
  })

const readAll = async (body: ReadableStream<Uint8Array>, options = {}) => {
  const events = []
  for await (const event of readServerSentEvents(body, options)) events.push(event)
  return events
}

describe('readServerSentEvents', () => {
  it('yields named and unnamed events whole, however the bytes are split', async () => {
    const events = await readAll(
      bodyOf('data: {"a"', ':1}\n\nevent: infermesh.receipt\nda', 'ta: {"r":2}\n\ndata: [DONE]\n\n'),
    )
    assert.deepEqual(events, [
      { event: undefined, data: '{"a":1}', raw: 'data: {"a":1}\n\n' },
      { event: 'infermesh.receipt', data: '{"r":2}', raw: 'event: infermesh.receipt\ndata: {"r":2}\n\n' },
      { event: undefined, data: '[DONE]', raw: 'data: [DONE]\n\n' },
    ])
  })

  it('ignores an unfinished event at the end of the body', async () => {
    const events = await readAll(bodyOf('data: 1\n\ndata: 2'))
    assert.deepEqual(
      events.map((event) => event.data),
      ['1'],
    )
  })

  it('accepts LF, CRLF and CR line endings, also a CRLF split between chunks, and relays them as LF', async () => {
    const events = await readAll(
      bodyOf('event: a\r\ndata: 1\r\ndata: 2\r', '\n\r', '\ndata: 3\r\rdata: 4\n\n', 'data: 5\r\n\r\n'),
    )
    assert.deepEqual(events, [
      { event: 'a', data: '1\n2', raw: 'event: a\ndata: 1\ndata: 2\n\n' },
      { event: undefined, data: '3', raw: 'data: 3\n\n' },
      { event: undefined, data: '4', raw: 'data: 4\n\n' },
      { event: undefined, data: '5', raw: 'data: 5\n\n' },
    ])
  })

  it('follows the field rules: one leading space dropped, comments kept in raw, extra blank lines skipped', async () => {
    const events = await readAll(bodyOf('\uFEFF: keep-alive\n\n\n\ndata:  two spaces\ndata\nid: 7\n\n'))
    assert.deepEqual(events, [
      { event: undefined, data: '', raw: ': keep-alive\n\n' },
      { event: undefined, data: ' two spaces\n', raw: 'data:  two spaces\ndata\nid: 7\n\n' },
    ])
  })

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n')
    const events = await readAll(bodyOf(bytes.subarray(0, 8), bytes.subarray(8, 14), bytes.subarray(14)))
    assert.equal(events[0]?.data, 'héllo ✓')
  })

  it('refuses an event larger than maxEventBytes with event_too_large', async () => {
    const stream = readAll(bodyOf('data: ', 'x'.repeat(100), '\n\n'), { maxEventBytes: 64 })
    await assert.rejects(stream, (error: ServerSentEventsError) => {
      assert.equal(error.name, 'ServerSentEventsError')
      assert.equal(error.code, 'event_too_large')
      assert.equal(
        error.message,
        'A server-sent event grew past 64 bytes without ending (no blank line); the stream was cut off',
      )
      return true
    })
    // Many short lines count too, not only one long one.
    await assert.rejects(readAll(bodyOf('data: x\n'.repeat(20)), { maxEventBytes: 64 }), {
      code: 'event_too_large',
    })
    // Just at the limit is fine.
    assert.equal((await readAll(bodyOf(`data: ${'x'.repeat(56)}\n\n`), { maxEventBytes: 64 })).length, 1)
  })

  it('refuses a stream larger than maxStreamBytes with stream_too_large, even of small events', async () => {
    await assert.rejects(readAll(bodyOf('data: 1\n\n'.repeat(20)), { maxStreamBytes: 100 }), {
      name: 'ServerSentEventsError',
      code: 'stream_too_large',
    })
  })

  it('fails fast on a 16 MiB stream with no blank line, cancelling it, without stalling the event loop', async () => {
    const chunk = new TextEncoder().encode(`data: ${'y'.repeat(64 * 1024 - 6)}`) // 64 KiB, no line end
    let sent = 0
    let cancelled = false
    // Like a socket: each chunk arrives in its own turn of the event loop.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise(setImmediate)
        if (sent >= 16 * 1024 * 1024) return controller.close()
        sent += chunk.byteLength
        controller.enqueue(chunk)
      },
      cancel() {
        cancelled = true
      },
    })
    const { result, stallMs, elapsedMs } = await measured(() => readAll(body).catch((error) => error))
    console.log(
      `16 MiB stream without a blank line: refused after ${sent} bytes in ${elapsedMs.toFixed(1)} ms; longest event-loop stall ${stallMs.toFixed(1)} ms`,
    )
    assert.ok(result instanceof ServerSentEventsError)
    assert.equal(result.code, 'event_too_large')
    assert.ok(sent <= 1024 * 1024 + 2 * chunk.byteLength, `read ${sent} bytes before refusing`)
    assert.equal(cancelled, true)
  })

  it('reads a 5 MiB stream of 100,000 small CRLF events, each byte scanned once', async () => {
    const event = 'data: {"choices":[{"delta":{"content":"tok"}}]}\r\n\r\n'
    const bytes = new TextEncoder().encode(event.repeat(100_000))
    let offset = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise(setImmediate)
        if (offset >= bytes.byteLength) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + 64 * 1024))
        offset += 64 * 1024
      },
    })
    const { result: events, stallMs, elapsedMs } = await measured(() => readAll(body))
    console.log(
      `${bytes.byteLength} bytes in ${events.length} events read in ${elapsedMs.toFixed(1)} ms; longest event-loop stall ${stallMs.toFixed(1)} ms`,
    )
    assert.equal(events.length, 100_000)
    assert.equal(events[99_999]?.raw, 'data: {"choices":[{"delta":{"content":"tok"}}]}\n\n')
  })
})

/** Runs `work` and reports the longest the event loop was kept from turning meanwhile. */
async function measured<T>(work: () => Promise<T>) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const started = performance.now()
  const result = await work()
  const elapsedMs = performance.now() - started
  await new Promise((resolve) => setTimeout(resolve, 5)) // let the last stall be recorded
  delay.disable()
  return { result, stallMs: delay.max / 1e6, elapsedMs }
}
