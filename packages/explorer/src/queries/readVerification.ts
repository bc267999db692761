import type { Sql } from '@infermesh/node/database'

/** A validator's re-execution of one of the provider's answers. */
export type VerificationReport = {
  at: string
  validator: string
  modelId: string
  receiptDigest: string
  source: string
  verdict: 'pass' | 'drift' | 'breach'
  checkedTokens: number
  reasons: string[]
  elapsedMs: number
  disputeId: string | null
}

/** What the validators found when they re-executed a provider's answers. */
export type Verification = {
  /** Re-executions, summed over the validators' records. */
  samples: number
  passed: number
  drifted: number
  breached: number
  /**
   * 0..1, the validators' reputations weighted by their samples: (passed + drifted / 2) / samples over
   * all of them. Null before any validator checked the provider.
   */
  reputation: number | null
  /** Validators with a record of the provider. */
  validators: number
  reports: VerificationReport[]
}

/**
 * One provider's verification record: each validator's latest reputation entry (`/infermesh/v1/reputation`),
 * aggregated weighted by samples, and its last `limit` reports (`/infermesh/v1/reports`), newest first.
 */
export async function readVerification(db: Sql, provider: string, limit = 20): Promise<Verification> {
  const key = provider.toLowerCase()
  const [totals] = await db.query<{
    samples: number
    passed: number
    drifted: number
    breached: number
    weighted: number | null
    validators: number
  }>(
    `select coalesce(sum(samples), 0)::int as samples, coalesce(sum(passed), 0)::int as passed,
       coalesce(sum(drifted), 0)::int as drifted, coalesce(sum(breached), 0)::int as breached,
       sum(reputation * samples)::float as weighted, count(*) filter (where samples > 0)::int as validators
     from validator_reputation where provider = $1`,
    [key],
  )
  const rows = await db.query<Record<string, unknown>>(
    `select validator, model_id, receipt_digest, source, verdict, checked_tokens, reasons, elapsed_ms,
       dispute_id, at
     from validator_reports where provider = $1 order by at desc, validator, receipt_digest limit $2`,
    [key, limit],
  )
  const samples = totals?.samples ?? 0
  return {
    samples,
    passed: totals?.passed ?? 0,
    drifted: totals?.drifted ?? 0,
    breached: totals?.breached ?? 0,
    reputation: samples > 0 ? (totals?.weighted ?? 0) / samples : null,
    validators: totals?.validators ?? 0,
    reports: rows.map((row) => ({
      at: new Date(row.at as string).toISOString(),
      validator: row.validator as string,
      modelId: row.model_id as string,
      receiptDigest: row.receipt_digest as string,
      source: row.source as string,
      verdict: row.verdict as VerificationReport['verdict'],
      checkedTokens: row.checked_tokens as number,
      reasons: row.reasons as string[],
      elapsedMs: row.elapsed_ms as number,
      disputeId: (row.dispute_id as string | null) ?? null,
    })),
  }
}
