import type { Address } from 'viem'

/** What re-execution said about one answer. */
export type SampleVerdict = 'pass' | 'drift' | 'breach'

/** One provider's record at this validator. */
export type ProviderReputation = {
  provider: Address
  samples: number
  passed: number
  drifted: number
  breached: number
  /**
   * 0..1: (passed + drifted / 2) / samples. Borderline drift lowers it (routing weight) and never costs
   * stake; a breach counts 0 here and is settled on-chain by a dispute.
   */
  reputation: number
}

/** A recent re-execution, as `GET /infermesh/v1/reports` lists it. */
export type SampleReport = {
  at: string
  provider: Address
  modelId: string
  receiptDigest: string
  source: 'gateway' | 'probe' | 'committee' | 'job'
  verdict: SampleVerdict
  checkedTokens: number
  reasons: string[]
  elapsedMs: number
  disputeId?: string
}

/**
 * The validator's record of each provider's re-executed answers, and the latest reports. Gateways read
 * it to weigh routing; the explorer shows the reports.
 */
export function createReputation(options: { keepReports?: number } = {}) {
  const keep = options.keepReports ?? 500
  const providers = new Map<string, ProviderReputation>()
  const reports: SampleReport[] = []
  return {
    record(report: SampleReport) {
      const key = report.provider.toLowerCase()
      const entry = providers.get(key) ?? {
        provider: report.provider,
        samples: 0,
        passed: 0,
        drifted: 0,
        breached: 0,
        reputation: 1,
      }
      entry.samples++
      if (report.verdict === 'pass') entry.passed++
      else if (report.verdict === 'drift') entry.drifted++
      else entry.breached++
      entry.reputation = (entry.passed + entry.drifted / 2) / entry.samples
      providers.set(key, entry)
      reports.push(report)
      if (reports.length > keep) reports.splice(0, reports.length - keep)
    },
    /** A report's dispute, once opened. */
    linkDispute(receiptDigest: string, disputeId: bigint) {
      for (const report of reports)
        if (report.receiptDigest === receiptDigest) report.disputeId = disputeId.toString()
    },
    list: (): ProviderReputation[] => [...providers.values()],
    of: (provider: Address) => providers.get(provider.toLowerCase()),
    reports: (limit = 100): SampleReport[] => reports.slice(-limit).reverse(),
  }
}

export type Reputation = ReturnType<typeof createReputation>
