/** One server-sent event: its name (if any), its data lines joined by newlines, and its raw text. */
export type ServerSentEvent = { event: string | undefined; data: string; raw: string }

/**
 * Reads server-sent events from a fetch response body, one at a time as they complete. `raw` is the
 * event exactly as received (with its blank-line terminator), for relaying it unchanged.
 *
 * @example
 * for await (const { event, data } of readServerSentEvents(response.body)) if (data !== '[DONE]') JSON.parse(data)
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const raw = buffer.slice(0, end + 2)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      let event: string | undefined
      const data: string[] = []
      for (const line of raw.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
      }
      yield { event, data: data.join('\n'), raw }
    }
  }
}
