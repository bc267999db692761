import type { Sql } from '@infermesh/node/database'

/** MESH minted by emissions in one epoch (its claims so far), by pool, in MESH wei. */
export type EpochEmission = {
  epoch: string
  availability: string
  work: string
  validation: string
  total: string
  claims: number
}

/**
 * MESH minted by emissions (Emissions.Claimed), per epoch, newest first (at most `limit` epochs), and in
 * total; for one account when `account` is given. Emissions mint on claim: an epoch's figure grows as
 * its accounts claim.
 */
export async function readEmissions(db: Sql, options: { account?: string; limit?: number } = {}) {
  const params: unknown[] = [options.limit ?? 50]
  const filter = options.account ? 'where account = $2' : ''
  if (options.account) params.push(options.account.toLowerCase())
  const rows = await db.query<EpochEmission>(
    `select epoch::text, sum(availability)::text as availability, sum(work)::text as work,
       sum(validation)::text as validation, sum(availability + work + validation)::text as total,
       count(*)::int as claims
     from emission_claims ${filter} group by epoch order by epoch desc limit $1`,
    params,
  )
  const [total] = await db.query<{ availability: string; work: string; validation: string; total: string }>(
    `select coalesce(sum(availability), 0)::text as availability, coalesce(sum(work), 0)::text as work,
       coalesce(sum(validation), 0)::text as validation,
       coalesce(sum(availability + work + validation), 0)::text as total
     from emission_claims ${options.account ? 'where account = $1' : ''}`,
    options.account ? [options.account.toLowerCase()] : [],
  )
  return {
    availability: total?.availability ?? '0',
    work: total?.work ?? '0',
    validation: total?.validation ?? '0',
    total: total?.total ?? '0',
    byEpoch: rows,
  }
}
