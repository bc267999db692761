import type { FastifyReply, FastifyRequest } from 'fastify'
import { ExplorerError } from '../errors.js'
import type { ExplorerMetrics } from './createExplorerMetrics.js'

export type EventStreamsOptions = {
  /** Streams open at once; one more is answered 503 `too_many_streams`. */
  maxStreams: number
  /** How long a client may leave a full socket buffer unread before its stream is closed. */
  slowClientMs: number
  /** A comment line every so often, so proxies keep the stream open. */
  heartbeatMs: number
  metrics: Pick<ExplorerMetrics, 'streams' | 'streamsRefused' | 'slowStreamsClosed'>
  /** The first event's data (the status). */
  hello: () => unknown
  /** Registers a listener for changes; returns its removal. */
  subscribe: (listener: (change: { reason: string; block: string }) => void) => () => void
}

/**
 * The live updates of `/api/stream` (Server-Sent Events), bounded: at most `maxStreams` open, and a
 * client that does not read cannot make the explorer buffer for it. An update only says "something
 * changed, read again", so while a client's socket buffer is full its updates are dropped, except the
 * newest, sent once it drains; when it has not drained within `slowClientMs` the stream is closed.
 * Nothing more than Node's buffer (16 KiB) and one update is ever held per client.
 */
export function createEventStreams(options: EventStreamsOptions) {
  const { metrics } = options
  let open = 0

  /** Answers one `GET /api/stream`, or 503 `too_many_streams` (retry after 10 s) when `maxStreams` are open. */
  function serve(request: FastifyRequest, reply: FastifyReply) {
    if (open >= options.maxStreams) {
      metrics.streamsRefused.inc()
      // Answered here rather than thrown: the kit's error mapper would say "retry after 1 s".
      const refusal = new ExplorerError(
        `Too many live-update streams are open (${options.maxStreams}): try again later, or read /api/status instead.`,
        { status: 503, code: 'too_many_streams', retryable: true },
      )
      return reply.code(503).header('retry-after', '10').send(refusal.toJSON())
    }
    open++
    metrics.streams.set(open)
    reply.hijack()
    const response = reply.raw
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    let congested = false
    let pending: string | undefined
    let slow: NodeJS.Timeout | undefined
    const send = (text: string, droppable: 'update' | 'heartbeat') => {
      if (response.destroyed || response.writableEnded) return
      if (congested) {
        if (droppable === 'update') pending = text
        return
      }
      if (response.write(text)) return
      // Node keeps what it could not hand to the socket; nothing more is written until it drains.
      congested = true
      slow = setTimeout(() => {
        metrics.slowStreamsClosed.inc()
        request.log.warn({ msg: 'closed a live-update stream whose client does not read it' })
        response.destroy()
      }, options.slowClientMs)
      response.once('drain', () => {
        clearTimeout(slow)
        congested = false
        const next = pending
        pending = undefined
        if (next) send(next, 'update')
      })
    }
    send(`event: hello\ndata: ${JSON.stringify(options.hello())}\n\n`, 'update')
    const remove = options.subscribe((change) => {
      send(`event: update\ndata: ${JSON.stringify(change)}\n\n`, 'update')
    })
    const heartbeat = setInterval(() => send(': heartbeat\n\n', 'heartbeat'), options.heartbeatMs)
    response.once('close', () => {
      clearInterval(heartbeat)
      clearTimeout(slow)
      remove()
      open--
      metrics.streams.set(open)
    })
  }

  return { serve, open: () => open }
}
