import type { Database, Sql } from '@infermesh/node/database'
import { z } from 'zod'
import { ExplorerError } from '../errors.js'

export type ValidatorPollsOptions = {
  db: Database
  intervalMs: number
  timeoutMs: number
  /** Reports asked for per poll (`?limit=`). */
  reportsLimit: number
  log: { warn: (obj: object) => void }
  /** Called after each round with the number of new or changed reports and reputation rows. */
  onRound?: (changed: number) => void
}

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value) => value.toLowerCase())
const count = z.number().int().nonnegative()

/** `GET /infermesh/v1/reports` of a validator (see packages/validator, `SampleReport`). */
const reportsBody = z.object({
  data: z.array(
    z.object({
      at: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { error: 'must be a date' }),
      provider: address,
      modelId: z.string().max(200),
      receiptDigest: z.string().max(200),
      source: z.enum(['gateway', 'probe', 'committee']),
      verdict: z.enum(['pass', 'drift', 'breach']),
      checkedTokens: count,
      reasons: z.array(z.string().max(2000)).max(50),
      elapsedMs: z.number().nonnegative(),
      disputeId: z.string().max(80).optional(),
    }),
  ),
})

/** `GET /infermesh/v1/reputation` of a validator (see packages/validator, `ProviderReputation`). */
const reputationBody = z.object({
  data: z.array(
    z.object({
      provider: address,
      samples: count,
      passed: count,
      drifted: count,
      breached: count,
      reputation: z.number().min(0).max(1),
    }),
  ),
})

async function getJson<T>(url: string, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  const parsed = schema.safeParse(await response.json())
  if (!parsed.success) throw new Error(`${url} answered an unexpected body: ${parsed.error.message}`)
  return parsed.data
}

/** Stores one validator's answers; resolves the number of rows that are new or changed. */
async function store(
  tx: Sql,
  validator: string,
  reports: z.output<typeof reportsBody>['data'],
  reputation: z.output<typeof reputationBody>['data'],
) {
  let changed = 0
  for (const report of reports) {
    // The key is (validator, receiptDigest, source): a report read again changes nothing, except the
    // dispute it opened, which the validator links to it later.
    const rows = await tx.query(
      `insert into validator_reports (validator, receipt_digest, source, provider, model_id, verdict,
         checked_tokens, reasons, elapsed_ms, dispute_id, at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       on conflict (validator, receipt_digest, source) do update set dispute_id = excluded.dispute_id
         where validator_reports.dispute_id is distinct from excluded.dispute_id and excluded.dispute_id is not null
       returning 1`,
      [
        validator,
        report.receiptDigest,
        report.source,
        report.provider,
        report.modelId,
        report.verdict,
        report.checkedTokens,
        JSON.stringify(report.reasons),
        Math.round(report.elapsedMs),
        report.disputeId ?? null,
        new Date(report.at),
      ],
    )
    changed += rows.length
  }
  for (const entry of reputation) {
    const rows = await tx.query(
      `insert into validator_reputation (validator, provider, samples, passed, drifted, breached, reputation, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, now())
       on conflict (validator, provider) do update set samples = excluded.samples, passed = excluded.passed,
         drifted = excluded.drifted, breached = excluded.breached, reputation = excluded.reputation,
         updated_at = excluded.updated_at
         where validator_reputation.samples <> excluded.samples or validator_reputation.passed <> excluded.passed
           or validator_reputation.drifted <> excluded.drifted or validator_reputation.breached <> excluded.breached
       returning 1`,
      [
        validator,
        entry.provider,
        entry.samples,
        entry.passed,
        entry.drifted,
        entry.breached,
        entry.reputation,
      ],
    )
    changed += rows.length
  }
  return changed
}

/**
 * Reads every registered validator's recent re-executions (`GET /infermesh/v1/reports`) and its record
 * of each provider (`GET /infermesh/v1/reputation`) each `intervalMs`, and stores them: each report once
 * (key: validator, receipt digest, source), the latest record per validator and provider. A validator
 * that does not answer within `timeoutMs`, or answers something else, is skipped and marked as not
 * answering; what it said before is kept.
 */
export function createValidatorPolls(options: ValidatorPollsOptions) {
  const { db } = options
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> | undefined
  let stopped = false
  /** Whether each validator answered the last round: a change is news for open pages. */
  const answering = new Map<string, boolean>()

  async function pollOne(validator: { address: string; endpoint: string }) {
    const base = validator.endpoint.replace(/\/+$/, '')
    const signal = AbortSignal.timeout(options.timeoutMs)
    try {
      const [reports, reputation] = await Promise.all([
        getJson(`${base}/infermesh/v1/reports?limit=${options.reportsLimit}`, reportsBody, signal),
        getJson(`${base}/infermesh/v1/reputation`, reputationBody, signal),
      ])
      const changed = await db.transaction(async (tx) => {
        const rows = await store(tx, validator.address, reports.data, reputation.data)
        await tx.query(
          `insert into validator_polls (validator, ok, error, at, last_ok_at) values ($1, true, null, now(), now())
           on conflict (validator) do update set ok = true, error = null, at = now(), last_ok_at = now()`,
          [validator.address],
        )
        return rows
      })
      return { ok: true, changed }
    } catch (cause) {
      const failure = new ExplorerError(
        signal.aborted
          ? `validator ${validator.address} at ${base} did not answer in ${options.timeoutMs} ms`
          : `validator ${validator.address} at ${base} could not be read: ${(cause as Error).message}`,
        { code: 'validator_unreachable', cause },
      )
      await db.query(
        `insert into validator_polls (validator, ok, error, at) values ($1, false, $2, now())
         on conflict (validator) do update set ok = false, error = excluded.error, at = excluded.at`,
        [validator.address, failure.message],
      )
      return { ok: false, changed: 0, error: failure.message }
    }
  }

  async function runRound() {
    const validators = await db.query<{ address: string; endpoint: string }>(
      'select address, endpoint from validators where active',
    )
    const results = await Promise.all(validators.map(pollOne))
    let changed = 0
    for (const [i, result] of results.entries()) {
      changed += result.changed
      const before = answering.get(validators[i]?.address ?? '')
      if (before !== undefined && before !== result.ok) changed++
      answering.set(validators[i]?.address ?? '', result.ok)
      if (!result.ok && before !== false)
        options.log.warn({ msg: 'validator not answering', err: result.error })
    }
    options.onRound?.(changed)
  }

  return {
    /** One round now (tests, and the first one at start). */
    runOnce: async () => {
      round = runRound()
      await round
    },
    start() {
      stopped = false
      const tick = async () => {
        round = runRound().catch((error: Error) =>
          options.log.warn({ msg: 'validator poll round failed', err: error.message }),
        )
        await round
        if (!stopped) timer = setTimeout(tick, options.intervalMs)
      }
      void tick()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await round?.catch(() => {})
    },
  }
}

export type ValidatorPolls = ReturnType<typeof createValidatorPolls>
