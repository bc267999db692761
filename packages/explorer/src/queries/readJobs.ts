import type { Sql } from '@infermesh/node/database'

/** A job as the explorer stores it (amounts in MESH wei as decimal strings, times ISO). */
export type JobRow = {
  id: string
  requester: string
  model_id: string
  subscription_id: string
  status: 'requested' | 'assigned' | 'delivered' | 'settled' | 'refunded'
  /** The input as text (cut at 1,000 characters). */
  input: string
  max_tokens: number
  temperature_milli: number
  seed: string
  max_payment: string
  callback_gas_limit: string
  deadline: string
  provider: string | null
  attempts: number
  respond_by: string | null
  /** Providers that declined it. */
  declined: string[]
  /** Providers that missed their response window, and the penalty each paid. */
  missed: { provider: string; penalty: string }[]
  output: string | null
  receipt_digest: string | null
  input_tokens: string | null
  output_tokens: string | null
  cost: string | null
  callback_success: boolean | null
  refund: string | null
  refund_reason: string | null
  requested_block: string
  requested_at: string
  assigned_at: string | null
  delivered_at: string | null
  delivered_tx: string | null
  closed_at: string | null
  /** The dispute opened on its receipt, if any (Disputes.DisputeOpened's id and outcome). */
  dispute: { id: string; status: string; outcome: string | null } | null
}

export type ReadJobsFilter = {
  /** One job. */
  id?: bigint
  requester?: string
  provider?: string
  status?: string
  /** Jobs with ids below this one (paging, newest first). */
  before?: bigint
  limit?: number
}

const columns = `j.id::text, j.requester, j.model_id, j.subscription_id::text, j.status, j.input, j.max_tokens,
  j.temperature_milli, j.seed::text, j.max_payment::text, j.callback_gas_limit::text, j.deadline, j.provider,
  j.attempts, j.respond_by, j.declined, j.missed, j.output, j.receipt_digest, j.input_tokens::text,
  j.output_tokens::text, j.cost::text, j.callback_success, j.refund::text, j.refund_reason, j.requested_block::text,
  j.requested_at, j.assigned_at, j.delivered_at, j.delivered_tx, j.closed_at`

type Row = Omit<
  JobRow,
  'dispute' | 'deadline' | 'respond_by' | 'requested_at' | 'assigned_at' | 'delivered_at' | 'closed_at'
> &
  Record<
    'deadline' | 'respond_by' | 'requested_at' | 'assigned_at' | 'delivered_at' | 'closed_at',
    Date | string | null
  > & {
    dispute_id: string | null
    dispute_status: string | null
    dispute_outcome: string | null
  }

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

function toJob(row: Row): JobRow {
  const { dispute_id, dispute_status, dispute_outcome, ...job } = row
  return {
    ...job,
    deadline: iso(job.deadline) as string,
    respond_by: iso(job.respond_by),
    requested_at: iso(job.requested_at) as string,
    assigned_at: iso(job.assigned_at),
    delivered_at: iso(job.delivered_at),
    closed_at: iso(job.closed_at),
    dispute:
      dispute_id === null
        ? null
        : { id: dispute_id, status: dispute_status ?? 'open', outcome: dispute_outcome },
  }
}

/**
 * On-chain jobs (JobCoordinator events), newest first, filtered by requester, provider or status; each with
 * the dispute opened on its receipt, if any. At most `limit` (default 50, at most 200).
 */
export async function readJobs(db: Sql, filter: ReadJobsFilter = {}): Promise<JobRow[]> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replace('?', `$${params.length}`))
  }
  if (filter.id !== undefined) add('j.id = ?', filter.id.toString())
  if (filter.requester) add('j.requester = ?', filter.requester.toLowerCase())
  if (filter.provider) add('j.provider = ?', filter.provider.toLowerCase())
  if (filter.status) add('j.status = ?', filter.status)
  if (filter.before !== undefined) add('j.id < ?', filter.before.toString())
  params.push(Math.min(Math.max(filter.limit ?? 50, 1), 200))
  const rows = await db.query<Row>(
    `select ${columns}, d.id::text as dispute_id, d.status as dispute_status, d.outcome as dispute_outcome
     from jobs j left join lateral (
       select id, status, outcome from disputes
       where provider = j.provider and j.receipt_digest is not null
         and id in (select (args->>'id')::numeric from chain_events
                    where contract = 'disputes' and name = 'DisputeOpened' and args->>'receiptDigest' = j.receipt_digest)
       order by id limit 1
     ) d on true
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by j.id desc limit $${params.length}`,
    params,
  )
  return rows.map(toJob)
}
