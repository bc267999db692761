import { BaseError } from './errors.js'

/** One server-sent event: its name (if any), its data lines joined by newlines, and its raw text. */
export type ServerSentEvent = { event: string | undefined; data: string; raw: string }

/** Limits of `readServerSentEvents`, in bytes as received. */
export type ReadServerSentEventsOptions = {
  /** The largest single event (1 MiB unless set). */
  maxEventBytes?: number
  /** The most bytes the whole stream may carry (64 MiB unless set). */
  maxStreamBytes?: number
}

/** A server-sent event stream broke a size limit of `readServerSentEvents`; the stream was cancelled. */
export class ServerSentEventsError extends BaseError {
  override name = 'ServerSentEventsError' as const
  readonly code: 'event_too_large' | 'stream_too_large'

  constructor(message: string, options: { code: 'event_too_large' | 'stream_too_large' }) {
    super(message)
    this.code = options.code
  }
}

const LF = 0x0a
const CR = 0x0d

/**
 * Reads server-sent events from a fetch response body, one at a time as they complete. Lines may end
 * in LF, CRLF or CR and an event ends at a blank line, as the SSE spec says. `raw` is the event as
 * received with its line endings made `\n` and a `\n\n` terminator, for relaying it. Unlike a browser,
 * an event with no data lines (a `: keep-alive` comment) is still yielded, with `data` `''`, so a relay
 * can pass it on; an unfinished event at the end of the body is dropped.
 *
 * Each byte is scanned once, and an event larger than `maxEventBytes` or a stream larger than
 * `maxStreamBytes` cancels the body and throws a `ServerSentEventsError`, so a hostile peer cannot make
 * the reader buffer or scan without end.
 *
 * @example
 * for await (const { event, data } of readServerSentEvents(response.body)) if (data !== '[DONE]') JSON.parse(data)
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  options: ReadServerSentEventsOptions = {},
): AsyncGenerator<ServerSentEvent> {
  const { maxEventBytes = 1024 * 1024, maxStreamBytes = 64 * 1024 * 1024 } = options
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  let streamBytes = 0
  let lines: string[] = [] // the finished lines of the event being read
  let eventBytes = 0 // the bytes of those lines, with their line endings
  let pieces: Uint8Array[] = [] // the unfinished line, as it arrived
  let pieceBytes = 0
  let afterCR = false // the last line ended in CR: an LF right after it belongs to that ending
  let first = true

  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    streamBytes += chunk.byteLength
    if (streamBytes > maxStreamBytes)
      throw new ServerSentEventsError(
        `The event stream carried more than ${maxStreamBytes} bytes; it was cut off (raise maxStreamBytes for longer streams)`,
        { code: 'stream_too_large' },
      )
    let start = 0
    let nextLF = -1
    let nextCR = -1
    while (start < chunk.byteLength) {
      if (afterCR) {
        afterCR = false
        if (chunk[start] === LF) {
          eventBytes++
          start++
          continue
        }
      }
      // Each search resumes past the last one, so a chunk is scanned once however many lines it has.
      if (nextLF !== -1 && nextLF < start) nextLF = -1
      if (nextCR !== -1 && nextCR < start) nextCR = -1
      if (nextLF === -1) nextLF = chunk.indexOf(LF, start)
      if (nextCR === -1) nextCR = chunk.indexOf(CR, start)
      if (nextLF === -1) nextLF = chunk.byteLength
      if (nextCR === -1) nextCR = chunk.byteLength
      const end = Math.min(nextLF, nextCR)
      if (end === chunk.byteLength) break
      const lineBytes = pieceBytes + end - start
      pieces.push(chunk.subarray(start, end))
      let line = lineBytes === 0 ? '' : decoder.decode(concat(pieces, lineBytes))
      if (first && line.charCodeAt(0) === 0xfeff) line = line.slice(1)
      first = false
      eventBytes += lineBytes + 1
      pieces = []
      pieceBytes = 0
      afterCR = chunk[end] === CR
      start = end + 1
      if (line !== '') lines.push(line)
      else if (lines.length > 0) {
        yield parseEvent(lines)
        lines = []
        eventBytes = 0
      } else eventBytes = 0
      if (eventBytes > maxEventBytes) throw eventTooLarge(maxEventBytes)
    }
    if (start < chunk.byteLength) {
      pieces.push(chunk.subarray(start))
      pieceBytes += chunk.byteLength - start
      if (eventBytes + pieceBytes > maxEventBytes) throw eventTooLarge(maxEventBytes)
    }
  }
}

function eventTooLarge(maxEventBytes: number) {
  return new ServerSentEventsError(
    `A server-sent event grew past ${maxEventBytes} bytes without ending (no blank line); the stream was cut off`,
    { code: 'event_too_large' },
  )
}

function concat(pieces: Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const piece of pieces) {
    bytes.set(piece, offset)
    offset += piece.byteLength
  }
  return bytes
}

/** Fields per the SSE spec: `name: value` (one leading space dropped), `:` starts a comment. */
function parseEvent(lines: string[]): ServerSentEvent {
  let event: string | undefined
  const data: string[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon === 0) continue
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  return { event, data: data.join('\n'), raw: `${lines.join('\n')}\n\n` }
}
