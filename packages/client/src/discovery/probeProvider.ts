import { PeerError } from '../http/PeerError.js'
import { peerFetch } from '../http/peerFetch.js'
import { readBoundedJson } from '../http/readBoundedJson.js'
import {
  type DroppedModelEntry,
  type ProviderModelAlias,
  parseProviderModels,
} from './parseProviderModels.js'

/** Where to probe and with what limits. */
export type ProbeProviderParameters = {
  /** The provider's endpoint as registered. */
  endpoint: string
  /** Allow loopback and private endpoints: a devnet only (see `peerFetch`). */
  allowPrivate: boolean
  /** The whole probe, in milliseconds. */
  deadlineMs: number
  /** The largest answer read, in bytes. Default 1 MiB. */
  maxBytes?: number
}

/** A probe that got a usable answer: the models, the entries dropped, and how long it took. */
export type ProbeResult = { models: ProviderModelAlias[]; dropped: DroppedModelEntry[]; latencyMs: number }

/**
 * Probes a provider: `GET <endpoint>/v1/models` through `peerFetch` (no redirects, private addresses
 * refused unless allowed, a deadline), read with `readBoundedJson` (1 MiB, depth 16) and checked entry
 * by entry (`parseProviderModels`). Rejects with a PeerError when the provider cannot be reached, does
 * not answer 200, or answers something that is not a list of models at all.
 *
 * @example
 * ```ts
 * const { models, dropped } = await probeProvider({ endpoint, allowPrivate: false, deadlineMs: 3_000 })
 * ```
 */
export async function probeProvider(parameters: ProbeProviderParameters): Promise<ProbeResult> {
  const started = performance.now()
  const url = `${parameters.endpoint.replace(/\/+$/, '')}/v1/models`
  const response = await peerFetch(url, {
    headers: { accept: 'application/json' },
    allowPrivate: parameters.allowPrivate,
    deadlineMs: parameters.deadlineMs,
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new PeerError(`The provider at ${url} answered ${response.status} to a list of its models`, {
      code: 'peer_bad_response',
      url,
    })
  }
  const json = await readBoundedJson(response, { maxBytes: parameters.maxBytes ?? 1024 * 1024, maxDepth: 16 })
  const parsed = parseProviderModels(json)
  if (!parsed)
    throw new PeerError(
      `The provider at ${url} answered its list of models with something that is not \`{ data: [...] }\``,
      {
        code: 'peer_bad_response',
        url,
      },
    )
  return { ...parsed, latencyMs: performance.now() - started }
}
