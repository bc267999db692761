import type { Sql } from '@infermesh/node/database'
import type { Hex } from 'viem'

/** What became of a job this provider was assigned. */
export type JobOutcome = 'sending' | 'delivered' | 'declined' | 'settled' | 'failed'

export type JobRecord = {
  jobId: bigint
  outcome: JobOutcome
  tx: Hex | null
  /** The delivered receipt's servedAt (unix seconds); the job settles after it plus the dispute window. */
  servedAt: bigint | null
}

/** The provider's memory of its jobs: what it sent for each, so a restart never delivers twice. */
export type JobStore = {
  get(jobId: bigint): Promise<JobRecord | undefined>
  put(record: JobRecord): Promise<void>
  /** Delivered jobs not yet settled, oldest first. */
  unsettled(): Promise<JobRecord[]>
}

type Row = { job_id: string; outcome: JobOutcome; tx: string | null; served_at: string | null }

const fromRow = (row: Row): JobRecord => ({
  jobId: BigInt(row.job_id),
  outcome: row.outcome,
  tx: row.tx as Hex | null,
  servedAt: row.served_at === null ? null : BigInt(row.served_at),
})

/**
 * The job table of the provider's database (PGlite or PostgreSQL, created if missing): one row per job
 * it was assigned, written before a delivery is sent (`sending`, with its transaction hash) and after it
 * lands, so a restarted provider knows which jobs it already answered.
 *
 * @example
 * const store = await createJobStore(db)
 * await store.put({ jobId: 1n, outcome: 'declined', tx: null, servedAt: null })
 */
export async function createJobStore(db: Sql): Promise<JobStore> {
  await db.query(`create table if not exists provider_jobs (
    job_id numeric(78, 0) primary key,
    outcome text not null,
    tx text,
    served_at bigint,
    updated_at timestamptz not null default now()
  )`)
  return {
    async get(jobId) {
      const [row] = await db.query<Row>(
        'select job_id::text, outcome, tx, served_at::text from provider_jobs where job_id = $1',
        [jobId.toString()],
      )
      return row && fromRow(row)
    },
    async put({ jobId, outcome, tx, servedAt }) {
      await db.query(
        `insert into provider_jobs (job_id, outcome, tx, served_at) values ($1, $2, $3, $4)
         on conflict (job_id) do update set outcome = $2, tx = coalesce($3, provider_jobs.tx),
           served_at = coalesce($4, provider_jobs.served_at), updated_at = now()`,
        [jobId.toString(), outcome, tx, servedAt === null ? null : servedAt.toString()],
      )
    },
    async unsettled() {
      const rows = await db.query<Row>(
        `select job_id::text, outcome, tx, served_at::text from provider_jobs
         where outcome = 'delivered' order by served_at, job_id`,
      )
      return rows.map(fromRow)
    },
  }
}
