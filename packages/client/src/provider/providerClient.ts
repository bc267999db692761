import { chat } from './chat.js'
import { completion } from './completion.js'
import { embeddings } from './embeddings.js'
import { type HandInVoucherParameters, handInVoucher } from './handInVoucher.js'
import { type ModelsParameters, models } from './models.js'
import type { ProviderCallParameters, ProviderClientConfig } from './postToProvider.js'

/**
 * The typed client for calling providers, every operation bound to one `config` (whether private
 * addresses are allowed, read limits). Each operation is also its own function (`chat`, `completion`,
 * `embeddings`, `models`, `handInVoucher`), like viem's actions. All of them go through `peerFetch`:
 * no redirects, deadlines, bounded reads.
 *
 * @example
 * ```ts
 * const providers = providerClient({ allowPrivate: config.allowPrivatePeers })
 * const answer = await providers.chat({ endpoint, body, voucher, deadlineMs: 60_000, signal })
 * ```
 */
export function providerClient(config: ProviderClientConfig = {}) {
  return {
    config,
    chat: (parameters: ProviderCallParameters) => chat(config, parameters),
    completion: (parameters: ProviderCallParameters) => completion(config, parameters),
    embeddings: (parameters: ProviderCallParameters) => embeddings(config, parameters),
    models: (parameters: ModelsParameters) => models(config, parameters),
    handInVoucher: (parameters: HandInVoucherParameters) => handInVoucher(config, parameters),
  }
}

/** A providerClient: its config and its operations. */
export type ProviderClient = ReturnType<typeof providerClient>
