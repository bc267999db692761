import type { Database, Sql } from '@infermesh/node/database'
import { z } from 'zod'
import { sanitizeText } from '../db/sanitizeText.js'
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
  /** Reports kept per validator, the newest by their `at`. Default `maxReportsPerValidator` (10,000). */
  keepReportsPerValidator?: number
}

/** Reports stored per poll of one validator, whatever `reportsLimit` is and whatever it answers. */
export const maxReportsPerPoll = 1000
/** Reputation records stored per poll of one validator (one per provider). */
export const maxReputationPerPoll = 10_000
/** Reports kept per validator by default: the newest, by their `at`. */
export const maxReportsPerValidator = 10_000
/** Reasons kept per report, and characters per reason. */
const maxReasons = 20
const maxReasonLength = 500
/** Characters of the error kept (and published in `/api/validators`) when a poll fails. */
const maxErrorLength = 300

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((value) => value.toLowerCase())
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)
// The columns are PostgreSQL `integer`s.
const count = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 31 - 1)

/** At most `keep` items are checked and kept; the rest are ignored unread. */
const firstOf = <T extends z.ZodType>(item: T, keep: number) =>
  z
    .array(z.unknown())
    .transform((items) => items.slice(0, keep))
    .pipe(z.array(item))

/** `GET /infermesh/v1/reports` of a validator (see packages/validator, `SampleReport`). */
const reportSchema = z.object({
  at: z
    .string()
    .max(64)
    .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'must be a date' }),
  provider: address,
  modelId: bytes32,
  receiptDigest: bytes32,
  source: z.enum(['gateway', 'probe', 'committee']),
  verdict: z.enum(['pass', 'drift', 'breach']),
  checkedTokens: count,
  // Free text: stored sanitized and cut, never refused for its content.
  reasons: firstOf(z.string(), maxReasons).transform((reasons) =>
    reasons.map((reason) => sanitizeText(reason, maxReasonLength)),
  ),
  elapsedMs: z
    .number()
    .nonnegative()
    .max(2 ** 31 - 1),
  disputeId: z
    .string()
    .regex(/^\d{1,78}$/)
    .optional(),
})
const reportsBody = (keep: number) => z.object({ data: firstOf(reportSchema, keep) })

/** `GET /infermesh/v1/reputation` of a validator (see packages/validator, `ProviderReputation`). */
const reputationBody = z.object({
  data: firstOf(
    z.object({
      provider: address,
      samples: count,
      passed: count,
      drifted: count,
      breached: count,
      reputation: z.number().min(0).max(1),
    }),
    maxReputationPerPoll,
  ),
})

/** A poll that failed, with a message made of the explorer's own words only (never the body's). */
class PollFailed extends Error {}

/** The first problem zod found, as path and message (the schema's words: no value from the body). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'unexpected body'
  const path = issue.path.map(String).join('.') || 'body'
  return `${path}: ${issue.message}`.replace(/[^\w .:,'"|/<>=()[\]-]/g, '?').slice(0, 120)
}

async function getJson<T>(base: string, path: string, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> {
  const response = await fetch(`${base}${path}`, { signal, headers: { accept: 'application/json' } })
  const route = path.split('?')[0]
  if (!response.ok) {
    await response.body?.cancel().catch(() => {})
    throw new PollFailed(`${route} answered HTTP ${response.status}`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    // JSON.parse's message quotes the start of the body: it is not kept.
    if (signal.aborted) throw cause
    throw new PollFailed(`${route} answered something that is not JSON`)
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success)
    throw new PollFailed(`${route} answered an unexpected body (${firstIssue(parsed.error)})`)
  return parsed.data
}

/** Why a poll failed, in at most `maxErrorLength` characters, with nothing the validator wrote in it. */
function describeFailure(
  cause: unknown,
  validator: string,
  base: string,
  timeoutMs: number,
  aborted: boolean,
) {
  const at = `validator ${validator} at ${sanitizeText(base, 120)}`
  let why: string
  if (aborted) why = `did not answer in ${timeoutMs} ms`
  else if (cause instanceof PollFailed) why = `could not be read: ${cause.message}`
  else {
    // fetch's own failures (refused, reset, DNS): the system's error code only.
    const code = (cause as { cause?: { code?: unknown } })?.cause?.code
    why = `could not be read: ${typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'the connection failed'}`
  }
  return sanitizeText(`${at} ${why}`, maxErrorLength)
}

/** Stores one validator's answers; resolves the number of rows that are new or changed. */
async function store(
  tx: Sql,
  validator: string,
  reports: z.output<typeof reportSchema>[],
  reputation: z.output<typeof reputationBody>['data'],
  keep: number,
) {
  // One statement per table, whatever the number of rows: a validator's answer costs the database a
  // bounded, small amount of work. Rows are unique per key first (ON CONFLICT touches a row only once).
  const now = Date.now()
  const reportRows = new Map(
    reports.map((report) => [
      `${report.receiptDigest}:${report.source}`,
      {
        receipt_digest: report.receiptDigest,
        source: report.source,
        provider: report.provider,
        model_id: report.modelId,
        verdict: report.verdict,
        checked_tokens: report.checkedTokens,
        reasons: report.reasons,
        elapsed_ms: Math.round(report.elapsedMs),
        dispute_id: report.disputeId ?? null,
        // A report from the future would stay first in every list: it is dated now at the latest.
        at: new Date(Math.min(Date.parse(report.at), now)).toISOString(),
      },
    ]),
  )
  // The key is (validator, receiptDigest, source): a report read again changes nothing, except the
  // dispute it opened, which the validator links to it later.
  const inserted = await tx.query(
    `insert into validator_reports (validator, receipt_digest, source, provider, model_id, verdict,
       checked_tokens, reasons, elapsed_ms, dispute_id, at)
     select $1, r.receipt_digest, r.source, r.provider, r.model_id, r.verdict, r.checked_tokens, r.reasons,
       r.elapsed_ms, r.dispute_id, r.at
     from jsonb_to_recordset($2::jsonb) as r(receipt_digest text, source text, provider text, model_id text,
       verdict text, checked_tokens integer, reasons jsonb, elapsed_ms integer, dispute_id text, at timestamptz)
     on conflict (validator, receipt_digest, source) do update set dispute_id = excluded.dispute_id
       where validator_reports.dispute_id is distinct from excluded.dispute_id and excluded.dispute_id is not null
     returning 1`,
    [validator, JSON.stringify([...reportRows.values()])],
  )
  // Only the newest reports of each validator are kept: what it can add is bounded.
  await tx.query(
    `delete from validator_reports where validator = $1 and (receipt_digest, source) in (
       select receipt_digest, source from validator_reports where validator = $1
       order by at desc, receipt_digest, source offset $2)`,
    [validator, keep],
  )
  // Records of accounts that are no providers are not kept: rows stay within validators × providers.
  const reputationRows = new Map(reputation.map((entry) => [entry.provider, entry]))
  const updated = await tx.query(
    `insert into validator_reputation (validator, provider, samples, passed, drifted, breached, reputation, updated_at)
     select $1, r.provider, r.samples, r.passed, r.drifted, r.breached, r.reputation, now()
     from jsonb_to_recordset($2::jsonb) as r(provider text, samples integer, passed integer, drifted integer,
       breached integer, reputation double precision)
     where exists (select 1 from providers p where p.address = r.provider)
     on conflict (validator, provider) do update set samples = excluded.samples, passed = excluded.passed,
       drifted = excluded.drifted, breached = excluded.breached, reputation = excluded.reputation,
       updated_at = excluded.updated_at
       where validator_reputation.samples <> excluded.samples or validator_reputation.passed <> excluded.passed
         or validator_reputation.drifted <> excluded.drifted or validator_reputation.breached <> excluded.breached
     returning 1`,
    [validator, JSON.stringify([...reputationRows.values()])],
  )
  return inserted.length + updated.length
}

/**
 * Reads every registered validator's recent re-executions (`GET /infermesh/v1/reports`) and its record
 * of each provider (`GET /infermesh/v1/reputation`) each `intervalMs`, and stores them: each report once
 * (key: validator, receipt digest, source), the latest record per validator and provider. A validator
 * that does not answer within `timeoutMs`, or answers something else, is skipped and marked as not
 * answering; what it said before is kept.
 *
 * A validator is whoever staked, and its answers are bounded: at most `reportsLimit` (≤ 1,000) reports
 * and 10,000 reputation records are read per poll, the rest ignored; reasons are cut (20 of 500
 * characters) and sanitized; reputation is kept only for providers the Registry knows; the newest
 * 10,000 reports per validator are kept. Why a poll failed is stored and published in the explorer's
 * own words (status code, "not JSON", the schema's first complaint), never with text from the answer.
 */
export function createValidatorPolls(options: ValidatorPollsOptions) {
  const { db } = options
  const reportsSchema = reportsBody(Math.min(options.reportsLimit, maxReportsPerPoll))
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> | undefined
  let stopped = false
  /** Whether each validator answered the last round: a change is news for open pages. */
  const answering = new Map<string, boolean>()

  async function pollOne(validator: {
    address: string
    endpoint: string
  }): Promise<{ ok: boolean; changed: number; error?: string }> {
    const base = validator.endpoint.replace(/\/+$/, '')
    const signal = AbortSignal.timeout(options.timeoutMs)
    const fail = async (message: string, cause: unknown) => {
      const failure = new ExplorerError(message, { code: 'validator_unreachable', cause })
      await db.query(
        `insert into validator_polls (validator, ok, error, at) values ($1, false, $2, now())
         on conflict (validator) do update set ok = false, error = excluded.error, at = excluded.at`,
        [validator.address, failure.message],
      )
      return { ok: false, changed: 0, error: failure.message }
    }
    let answers: [z.output<typeof reportsSchema>, z.output<typeof reputationBody>]
    try {
      answers = await Promise.all([
        getJson(base, `/infermesh/v1/reports?limit=${options.reportsLimit}`, reportsSchema, signal),
        getJson(base, '/infermesh/v1/reputation', reputationBody, signal),
      ])
    } catch (cause) {
      return fail(describeFailure(cause, validator.address, base, options.timeoutMs, signal.aborted), cause)
    }
    try {
      const changed = await db.transaction(async (tx) => {
        const rows = await store(
          tx,
          validator.address,
          answers[0].data,
          answers[1].data,
          options.keepReportsPerValidator ?? maxReportsPerValidator,
        )
        await tx.query(
          `insert into validator_polls (validator, ok, error, at, last_ok_at) values ($1, true, null, now(), now())
           on conflict (validator) do update set ok = true, error = null, at = now(), last_ok_at = now()`,
          [validator.address],
        )
        return rows
      })
      return { ok: true, changed }
    } catch (cause) {
      // The database's message stays in the explorer's log; the published error says only what happened.
      options.log.warn({
        msg: 'could not store a validator answer',
        validator: validator.address,
        err: (cause as Error).message,
      })
      return fail(
        sanitizeText(
          `validator ${validator.address} at ${sanitizeText(base, 120)} answered, but its answer could not be stored`,
          maxErrorLength,
        ),
        cause,
      )
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
