import type { Sql } from '@infermesh/node/database'
import { noFees, readVerificationFees, type ValidatorFees } from './readVerificationFees.js'

/** A validator as the explorer lists it. Stake in MESH wei (decimal string). */
export type ValidatorRow = {
  address: string
  /** Registered in the Registry (and not unregistered since). */
  active: boolean
  endpoint: string
  stake: string
  /** Model ids it declared it can re-execute (Registry.setValidatorModels), sorted: its committee draws. */
  models: string[]
  /** Whether it answered the explorer's last poll; null before the first poll. */
  answering: boolean | null
  /** Why the last poll failed. */
  error: string | null
  lastPolledAt: string | null
  lastAnsweredAt: string | null
  /** Re-executions it counts in its reputation records (samples, summed over providers). */
  samplesChecked: number
  /** Its reports the explorer stored. */
  reports: number
  verdicts: { pass: number; drift: number; breach: number }
  /** What it earned for checks: committee votes (VerificationFees) and per-sample fees (Payments). */
  fees: ValidatorFees
}

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null)

/**
 * Every validator the Registry has seen (`ValidatorRegistered`), its stake, the models it declared, the
 * fees it earned for checks (`readVerificationFees`), and what the explorer read from its public API:
 * whether it answers, and the re-executions it reported.
 */
export async function readValidators(db: Sql): Promise<ValidatorRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `select v.address, v.active, v.endpoint, coalesce(a.stake, 0)::text as stake,
       p.ok, p.error, p.at, p.last_ok_at,
       coalesce((select sum(samples) from validator_reputation r where r.validator = v.address), 0)::int as samples,
       (select count(*) from validator_reports r where r.validator = v.address)::int as reports,
       (select count(*) from validator_reports r where r.validator = v.address and verdict = 'pass')::int as pass,
       (select count(*) from validator_reports r where r.validator = v.address and verdict = 'drift')::int as drift,
       (select count(*) from validator_reports r where r.validator = v.address and verdict = 'breach')::int as breach
     from validators v
     left join accounts a on a.address = v.address
     left join validator_polls p on p.validator = v.address
     order by v.active desc, coalesce(a.stake, 0) desc, v.address`,
  )
  const declared = await db.query<{ validator: string; model_id: string }>(
    'select validator, model_id from validator_models order by validator, model_id',
  )
  const modelsOf = new Map<string, string[]>()
  for (const { validator, model_id } of declared) {
    const models = modelsOf.get(validator)
    if (models) models.push(model_id)
    else modelsOf.set(validator, [model_id])
  }
  const { byValidator } = await readVerificationFees(db, { limit: 0 })
  return rows.map((row) => ({
    address: row.address as string,
    active: row.active as boolean,
    endpoint: row.endpoint as string,
    stake: row.stake as string,
    models: modelsOf.get(row.address as string) ?? [],
    answering: (row.ok as boolean | null) ?? null,
    error: (row.error as string | null) ?? null,
    lastPolledAt: iso(row.at),
    lastAnsweredAt: iso(row.last_ok_at),
    samplesChecked: row.samples as number,
    reports: row.reports as number,
    verdicts: { pass: row.pass as number, drift: row.drift as number, breach: row.breach as number },
    fees: byValidator[row.address as string] ?? noFees,
  }))
}
