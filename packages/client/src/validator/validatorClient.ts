import { type ReportsParameters, reports } from './reports.js'
import { reputation } from './reputation.js'
import { type SubmitSampleParameters, submitSample } from './submitSample.js'
import type { ValidatorCallParameters, ValidatorClientConfig } from './ValidatorClientConfig.js'

/**
 * The typed client for calling validators, every operation bound to one `config`. Each operation is
 * also its own function (`submitSample`, `reputation`, `reports`), like viem's actions; all of them go
 * through `peerFetch` (no redirects, private addresses refused unless allowed, deadlines, bounded reads).
 *
 * @example
 * ```ts
 * const validators = validatorClient({ allowPrivate: config.allowPrivatePeers })
 * const result = await validators.submitSample({ endpoint, sample, deadlineMs: 10_000 })
 * ```
 */
export function validatorClient(config: ValidatorClientConfig = {}) {
  return {
    config,
    submitSample: (parameters: SubmitSampleParameters) => submitSample(config, parameters),
    reputation: (parameters: ValidatorCallParameters) => reputation(config, parameters),
    reports: (parameters: ReportsParameters) => reports(config, parameters),
  }
}

/** A validatorClient: its config and its operations. */
export type ValidatorClient = ReturnType<typeof validatorClient>
