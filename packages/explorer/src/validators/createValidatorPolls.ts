import { PeerError, validatorClient } from '@infermesh/client'
import { walkCause } from '@infermesh/node'
import type { Database, Sql } from '@infermesh/node/database'
import { z } from 'zod'
import { sanitizeText } from '../db/sanitizeText.js'
import { ExplorerError } from '../errors.js'

export type ValidatorPollsOptions = {
  db: Database
  intervalMs: number
  /** Each call to a validator (reports, reputation), from sending it to the last byte of the answer. */
  timeoutMs: number
  /** Reports asked for per poll (`?limit=`), at most `maxReportsPerPoll` (500). */
  reportsLimit: number
  /** Call validators at loopback, private and link-local addresses: a devnet only (config `allowPrivatePeers`). */
  allowPrivatePeers?: boolean
  log: { warn: (obj: object) => void }
  /** Called after each round with the number of new or changed reports and reputation rows. */
  onRound?: (changed: number) => void
  /** Reports kept per validator, the newest by their `at`. Default `maxReportsPerValidator` (10,000). */
  keepReportsPerValidator?: number
}

/** Reports asked for and stored per poll of one validator, whatever `reportsLimit` is and whatever it answers. */
export const maxReportsPerPoll = 500
/** Reputation records stored per poll of one validator (one per provider). */
export const maxReputationPerPoll = 10_000
/** Reports kept per validator by default: the newest, by their `at`. */
export const maxReportsPerValidator = 10_000
/** The largest answer read from a validator (each of reports and reputation). */
export const maxValidatorAnswerBytes = 8 * 1024 * 1024
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

/**
 * What the explorer stores of a report the validator client kept: stricter than the client (the
 * columns' types), reasons cut and sanitized. A report that does not fit is skipped.
 */
const storedReport = z.object({
  at: z.string(),
  provider: address,
  modelId: bytes32,
  receiptDigest: bytes32,
  source: z.enum(['gateway', 'probe', 'committee', 'job']),
  verdict: z.enum(['pass', 'drift', 'breach']),
  checkedTokens: count,
  // Free text: stored sanitized and cut, never refused for its content.
  reasons: z
    .array(z.string())
    .transform((reasons) =>
      reasons.slice(0, maxReasons).map((reason) => sanitizeText(reason, maxReasonLength)),
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

/** What the explorer stores of a validator's record of a provider. */
const storedReputation = z.object({
  provider: address,
  samples: count,
  passed: count,
  drifted: count,
  breached: count,
  reputation: z.number().min(0).max(1),
})

/** The first `keep` entries that fit `schema`, and how many of those first `keep` did not. */
function keepFirst<T extends z.ZodType>(entries: readonly unknown[], keep: number, schema: T) {
  const kept: z.output<T>[] = []
  let skipped = 0
  for (const entry of entries.slice(0, keep)) {
    const checked = schema.safeParse(entry)
    if (checked.success) kept.push(checked.data)
    else skipped++
  }
  return { kept, skipped }
}

/** A call to one of a validator's routes failed; `cause` is the validator client's error. */
class PollFailed extends Error {
  override name = 'PollFailed' as const
  constructor(
    readonly route: string,
    override readonly cause: unknown,
  ) {
    super(`${route} failed`, { cause })
  }
}

/** Tags a call's failure with its route, so the published error can say which one failed. */
const onRoute = <T>(route: string, call: Promise<T>) =>
  call.catch((cause: unknown) => {
    throw new PollFailed(route, cause)
  })

/**
 * What the validator answered that could not be used, in the explorer's words. The client's errors
 * carry a code; for `peer_bad_response` the kind of answer is told from the client's own message
 * templates (status, not JSON, too deep, not a list), and only a status number is taken from them.
 */
function badAnswer(error: PeerError): string {
  const status = error.message.match(/ answered (\d{3})$/)?.[1]
  if (status) return `answered HTTP ${status}`
  if (/ not JSON/.test(error.message)) return 'answered something that is not JSON'
  if (/ nested deeper than /.test(error.message)) return 'answered JSON nested too deep'
  if (/ other than a list/.test(error.message))
    return 'answered an unexpected body (not a list `{ data: [...] }`)'
  if (/ malformed HTTP /.test(error.message)) return 'answered malformed HTTP'
  return 'answered something the explorer cannot read'
}

/** Why a poll failed, in at most `maxErrorLength` characters, with nothing the validator wrote in it. */
function describeFailure(cause: unknown, validator: string, base: string, timeoutMs: number) {
  const at = `validator ${validator} at ${sanitizeText(base, 120)}`
  const route = cause instanceof PollFailed ? cause.route : 'the validator'
  const error = cause instanceof PollFailed ? cause.cause : cause
  let why: string
  if (!(error instanceof PeerError)) why = 'could not be read: the connection failed'
  else if (error.code === 'peer_timeout') why = `did not answer in ${timeoutMs} ms`
  else if (error.code === 'peer_refused_address')
    why = `was not called: its endpoint is not an http(s) URL of a public address (loopback, private and link-local addresses are called only with allowPrivatePeers, on a devnet)`
  else if (error.code === 'peer_redirect')
    why = `could not be read: ${route} answered with a redirect, which is never followed`
  else if (error.code === 'peer_too_large')
    why = `could not be read: ${route} answered more than ${maxValidatorAnswerBytes} bytes`
  else if (error.code === 'peer_bad_response') why = `could not be read: ${route} ${badAnswer(error)}`
  else {
    // Refused, reset, DNS: the system's error code only (ECONNREFUSED), never text from the answer.
    const system = walkCause(error.cause, (link) => {
      const code = (link as { code?: unknown } | null)?.code
      return typeof code === 'string' && /^E[A-Z0-9_]{1,40}$/.test(code)
    }) as { code: string } | null
    why = `could not be read: ${system?.code ?? 'the connection failed'}`
  }
  return sanitizeText(`${at} ${why}`, maxErrorLength)
}

/** Stores one validator's answers; resolves the number of rows that are new or changed. */
async function store(
  tx: Sql,
  validator: string,
  reports: z.output<typeof storedReport>[],
  reputation: z.output<typeof storedReputation>[],
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
 * A validator is whoever staked, and its endpoint whatever it wrote in the Registry: both calls go
 * through the validator client (`peerFetch`: no redirects, loopback, private and link-local addresses
 * refused unless `allowPrivatePeers`, a deadline of `timeoutMs`, at most 8 MiB and 16 levels of JSON
 * read). Its answers are bounded: at most `reportsLimit` (≤ 500) reports and 10,000 reputation records
 * are kept per poll, entries of the wrong shape are skipped one by one (logged), reasons are cut (20 of
 * 500 characters) and sanitized, reputation is kept only for providers the Registry knows, and the
 * newest 10,000 reports per validator are kept. Why a poll failed is stored and published in the
 * explorer's own words (status code, "not JSON", "a redirect", "more than 8388608 bytes"), never with
 * text from the answer.
 */
export function createValidatorPolls(options: ValidatorPollsOptions) {
  const { db } = options
  if (!(Number.isInteger(options.reportsLimit) && options.reportsLimit >= 1))
    throw new TypeError(
      `createValidatorPolls: reportsLimit must be a whole number ≥ 1, not ${options.reportsLimit}`,
    )
  const limit = Math.min(options.reportsLimit, maxReportsPerPoll)
  const client = validatorClient({
    allowPrivate: options.allowPrivatePeers ?? false,
    maxAnswerBytes: maxValidatorAnswerBytes,
  })
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
    const fail = async (message: string, cause: unknown) => {
      const failure = new ExplorerError(message, { status: 502, code: 'validator_unreachable', cause })
      await db.query(
        `insert into validator_polls (validator, ok, error, at) values ($1, false, $2, now())
         on conflict (validator) do update set ok = false, error = excluded.error, at = excluded.at`,
        [validator.address, failure.message],
      )
      return { ok: false, changed: 0, error: failure.message }
    }
    const call = { endpoint: base, deadlineMs: options.timeoutMs }
    let reports: ReturnType<typeof keepFirst<typeof storedReport>>
    let reputation: ReturnType<typeof keepFirst<typeof storedReputation>>
    let dropped: number
    try {
      const [reportsAnswer, reputationAnswer] = await Promise.all([
        onRoute('/infermesh/v1/reports', client.reports({ ...call, limit })),
        onRoute('/infermesh/v1/reputation', client.reputation(call)),
      ])
      reports = keepFirst(reportsAnswer.entries, limit, storedReport)
      reputation = keepFirst(reputationAnswer.entries, maxReputationPerPoll, storedReputation)
      dropped = reportsAnswer.dropped + reputationAnswer.dropped
    } catch (cause) {
      return fail(describeFailure(cause, validator.address, base, options.timeoutMs), cause)
    }
    const skipped = dropped + reports.skipped + reputation.skipped
    if (skipped > 0)
      options.log.warn({
        msg: 'skipped entries of the wrong shape in a validator answer',
        validator: validator.address,
        skipped,
      })
    try {
      const changed = await db.transaction(async (tx) => {
        const rows = await store(
          tx,
          validator.address,
          reports.kept,
          reputation.kept,
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
