import { z } from 'zod'
import { PeerError } from '../http/PeerError.js'
import { peerFetch } from '../http/peerFetch.js'
import { readBoundedJson } from '../http/readBoundedJson.js'
import type { ValidatorCallParameters, ValidatorClientConfig } from './ValidatorClientConfig.js'

const listSchema = z.looseObject({ data: z.array(z.unknown()).max(100_000) })

/**
 * GETs one of a validator's lists (`{ data: [...] }`) through `peerFetch` and keeps the entries that
 * match `entry`; the others are counted in `dropped`. A status other than 200 or a body that is not
 * such a list is a `peer_bad_response` PeerError.
 *
 * @example
 * ```ts
 * const { entries } = await readValidatorList(config, { endpoint, deadlineMs }, '/infermesh/v1/reputation', schema)
 * ```
 */
export async function readValidatorList<Entry extends z.ZodType>(
  config: ValidatorClientConfig,
  parameters: ValidatorCallParameters,
  path: string,
  entry: Entry,
): Promise<{ entries: z.output<Entry>[]; dropped: number }> {
  const url = `${parameters.endpoint.replace(/\/+$/, '')}${path}`
  const response = await peerFetch(url, {
    headers: { accept: 'application/json' },
    allowPrivate: config.allowPrivate ?? false,
    deadlineMs: parameters.deadlineMs,
    ...(parameters.signal && { signal: parameters.signal }),
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new PeerError(`The validator at ${url} answered ${response.status}`, {
      code: 'peer_bad_response',
      url,
    })
  }
  const list = listSchema.safeParse(
    await readBoundedJson(response, { maxBytes: config.maxAnswerBytes ?? 4 * 1024 * 1024, maxDepth: 16 }),
  )
  if (!list.success)
    throw new PeerError(
      `The validator at ${url} answered something other than a list (\`{ data: [...] }\`)`,
      {
        code: 'peer_bad_response',
        url,
      },
    )
  const entries: z.output<Entry>[] = []
  let dropped = 0
  for (const item of list.data.data) {
    const checked = entry.safeParse(item)
    if (checked.success) entries.push(checked.data)
    else dropped++
  }
  return { entries, dropped }
}
