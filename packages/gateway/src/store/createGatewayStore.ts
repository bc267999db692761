import { createHash, randomBytes } from 'node:crypto'
import type { Database } from '@infermesh/node/database'
import { createJournal } from '@infermesh/node/journal'
import type { Address, Hex } from 'viem'

const schema = [
  `create table if not exists api_keys (
    id text primary key,
    name text not null,
    key_hash text not null unique,
    spend_limit numeric(78, 0),
    spent numeric(78, 0) not null default 0,
    created_at timestamptz not null default now()
  )`,
  `create table if not exists usage_records (
    id bigserial primary key,
    api_key_id text not null,
    provider text not null,
    model text not null,
    model_id text not null,
    prompt_tokens bigint not null,
    completion_tokens bigint not null,
    cost numeric(78, 0) not null,
    latency_ms integer not null,
    request_hash text not null,
    created_at timestamptz not null default now()
  )`,
  'create index if not exists usage_by_key on usage_records (api_key_id, id)',
  // Worst cases of requests in flight, reserved against the spending limit before they are sent.
  'alter table api_keys add column if not exists reserved numeric(78, 0) not null default 0',
]

export type ApiKey = { id: string; name: string; spendLimit: bigint | null; spent: bigint }
export type UsageRecord = {
  apiKeyId: string
  provider: Address
  model: string
  modelId: Hex
  promptTokens: number
  completionTokens: number
  cost: bigint
  latencyMs: number
  requestHash: Hex
  /** The reservation this request held, released in the same transaction (0 or absent: none). */
  release?: bigint
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex')
const maxCachedKeys = 10_000

export type GatewayStoreOptions = {
  /**
   * Journal usage records (`recordUsage`, once per request) and write them in batches (see
   * `createJournal` in `@infermesh/node/journal`): for a database only this process writes (PGlite).
   * Several gateways on one PostgreSQL write each record at once instead (the default).
   */
  writeBehind?: boolean
  /** Longest a journaled usage record waits for its batch (default 500 ms). */
  journalFlushMs?: number
  /** How long a found API key is answered from memory (default 0: always read). */
  apiKeyCacheMs?: number
  /** Told when a journaled batch fails (it is retried). */
  onError?: (error: unknown) => void
}

/**
 * The gateway's own durable state, shared safely by several gateway processes on one PostgreSQL:
 * API keys (stored hashed) with what they spent and what requests in flight reserved, and usage
 * records per key. What the payer has been billed per channel is
 * the payer's ledger (`createSqlPayerLedger` in `@infermesh/payments`), in the same database.
 */
export async function createGatewayStore(db: Database, options: GatewayStoreOptions = {}) {
  for (const statement of schema) await db.query(statement)
  const insertUsage = async (tx: Pick<Database, 'query'>, records: UsageRecord[]) => {
    const columns = 9
    const values = records.map(
      (_, row) =>
        `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`,
    )
    await tx.query(
      `insert into usage_records (api_key_id, provider, model, model_id, prompt_tokens, completion_tokens, cost, latency_ms, request_hash)
       values ${values.join(', ')}`,
      records.flatMap((record) => [
        record.apiKeyId,
        record.provider,
        record.model,
        record.modelId.toLowerCase(),
        record.promptTokens,
        record.completionTokens,
        record.cost.toString(),
        Math.round(record.latencyMs),
        record.requestHash,
      ]),
    )
    const perKey = new Map<string, { spent: bigint; release: bigint }>()
    for (const record of records) {
      const sums = perKey.get(record.apiKeyId) ?? { spent: 0n, release: 0n }
      sums.spent += record.cost
      sums.release += record.release ?? 0n
      perKey.set(record.apiKeyId, sums)
    }
    for (const [id, sums] of perKey)
      await tx.query('update api_keys set spent = spent + $2, reserved = reserved - $3 where id = $1', [
        id,
        sums.spent.toString(),
        sums.release.toString(),
      ])
  }
  type Journaled = Omit<UsageRecord, 'cost' | 'release'> & { cost: string; release: string }
  const journal = options.writeBehind
    ? await createJournal<Journaled>({
        db,
        name: 'gateway_usage',
        // Reads that need the records (usage, a limited key's reservation) wait for the journal, so a
        // long interval costs nothing but makes batches big: at 40 requests/s, 20 records a transaction.
        flushMs: options.journalFlushMs ?? 500,
        ...(options.onError && { onError: options.onError }),
        // A usage record the database refuses all the same is logged and skipped, not retried forever.
        onReject: (entry, error) =>
          options.onError?.(new Error(`usage record set aside: ${JSON.stringify(entry)}`, { cause: error })),
        apply: (tx, entries) =>
          insertUsage(
            tx,
            entries.map((entry) => ({ ...entry, cost: BigInt(entry.cost), release: BigInt(entry.release) })),
          ),
      })
    : undefined
  /** Keys found recently, by hash: most requests skip the database (a revoked key works for at most `apiKeyCacheMs` more). */
  const keyCache = new Map<string, { apiKey: ApiKey; at: number }>()
  const apiKeyCacheMs = options.apiKeyCacheMs ?? 0

  return {
    /** Creates an API key; the plaintext is returned once and only its hash is stored. */
    async createApiKey(name: string, spendLimit?: bigint): Promise<{ id: string; key: string }> {
      const id = `key_${randomBytes(6).toString('hex')}`
      const key = `im_${randomBytes(24).toString('base64url')}`
      await db.query('insert into api_keys (id, name, key_hash, spend_limit) values ($1, $2, $3, $4)', [
        id,
        name,
        hashKey(key),
        spendLimit === undefined ? null : spendLimit.toString(),
      ])
      return { id, key }
    },

    /** The key's record, or undefined when no key has this plaintext. */
    async findApiKey(key: string): Promise<ApiKey | undefined> {
      const hash = hashKey(key)
      const cached = keyCache.get(hash)
      if (cached && Date.now() - cached.at < apiKeyCacheMs) return { ...cached.apiKey }
      const [row] = await db.query<{ id: string; name: string; spend_limit: string | null; spent: string }>(
        'select id, name, spend_limit, spent from api_keys where key_hash = $1',
        [hash],
      )
      if (!row) return undefined
      const apiKey = {
        id: row.id,
        name: row.name,
        spendLimit: row.spend_limit === null ? null : BigInt(row.spend_limit),
        // What this process's journal has not written yet is spent too.
        spent:
          BigInt(row.spent) +
          (journal?.pending() ?? []).reduce(
            (sum, entry) => (entry.apiKeyId === row.id ? sum + BigInt(entry.cost) : sum),
            0n,
          ),
      }
      if (apiKeyCacheMs > 0) {
        if (keyCache.size >= maxCachedKeys) keyCache.delete(keyCache.keys().next().value as string)
        keyCache.set(hash, { apiKey, at: Date.now() })
      }
      return { ...apiKey }
    },

    /**
     * Records one served request, adds its cost to the key's spending and releases its reservation,
     * atomically: one statement (a data-modifying CTE), so one round trip and one commit instead of a
     * transaction of two. Both changes commit or neither does, on PGlite and on PostgreSQL.
     */
    async recordUsage(record: UsageRecord): Promise<void> {
      if (journal) {
        // A record the database would refuse is refused here, before it is acknowledged.
        const counts = [record.promptTokens, record.completionTokens]
        if (!counts.every((count) => Number.isSafeInteger(count) && count >= 0))
          throw new RangeError(
            `recordUsage: token counts must be whole numbers ≥ 0 (got ${counts.join(', ')}).`,
          )
        if (!Number.isFinite(record.latencyMs) || record.latencyMs < 0 || record.latencyMs > 2 ** 31 - 1)
          throw new RangeError(
            `recordUsage: latencyMs must be a finite number of milliseconds (got ${record.latencyMs}).`,
          )
        if (record.cost < 0n || (record.release ?? 0n) < 0n)
          throw new RangeError('recordUsage: cost and release must not be negative.')
        const { cost, release, ...rest } = record
        await journal.append({ ...rest, cost: cost.toString(), release: (release ?? 0n).toString() })
        return
      }
      await db.query(
        `with usage as (
           insert into usage_records (api_key_id, provider, model, model_id, prompt_tokens, completion_tokens, cost, latency_ms, request_hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         )
         update api_keys set spent = spent + $7, reserved = reserved - $10 where id = $1`,
        [
          record.apiKeyId,
          record.provider,
          record.model,
          record.modelId.toLowerCase(),
          record.promptTokens,
          record.completionTokens,
          record.cost.toString(),
          Math.round(record.latencyMs),
          record.requestHash,
          (record.release ?? 0n).toString(),
        ],
      )
    },

    /**
     * Reserves `amount` (a request's worst case) against the key's spending limit in one atomic
     * statement, so concurrent requests, in one process or several on one PostgreSQL, never overrun
     * it: `spent + reserved + amount <= spend_limit`. Returns whether it was reserved.
     */
    async reserve(apiKeyId: string, amount: bigint): Promise<boolean> {
      // The key's journaled usage first: its released reservations must count before the check.
      if (journal?.pending().some((entry) => entry.apiKeyId === apiKeyId)) await journal.flush()
      const rows = await db.query<{ id: string }>(
        `update api_keys set reserved = reserved + $2
         where id = $1 and (spend_limit is null or spent + reserved + $2 <= spend_limit) returning id`,
        [apiKeyId, amount.toString()],
      )
      return rows.length === 1
    },

    /** Gives back a reservation the request did not use (no provider served it). */
    async release(apiKeyId: string, amount: bigint): Promise<void> {
      await db.query('update api_keys set reserved = reserved - $2 where id = $1', [
        apiKeyId,
        amount.toString(),
      ])
    },

    /** A key's most recent usage records and totals. */
    async usage(apiKeyId: string, limit = 100) {
      await journal?.flush()
      const rows = await db.query<{
        provider: string
        model: string
        prompt_tokens: string
        completion_tokens: string
        cost: string
        latency_ms: number
        created_at: Date | string
      }>(
        `select provider, model, prompt_tokens, completion_tokens, cost, latency_ms, created_at
         from usage_records where api_key_id = $1 order by id desc limit $2`,
        [apiKeyId, limit],
      )
      const [totals] = await db.query<{
        requests: string
        prompt: string | null
        completion: string | null
        cost: string | null
      }>(
        `select count(*) as requests, sum(prompt_tokens) as prompt, sum(completion_tokens) as completion, sum(cost) as cost
         from usage_records where api_key_id = $1`,
        [apiKeyId],
      )
      return {
        totals: {
          requests: Number(totals?.requests ?? 0),
          promptTokens: Number(totals?.prompt ?? 0),
          completionTokens: Number(totals?.completion ?? 0),
          cost: (totals?.cost ?? '0').toString(),
        },
        records: rows.map((row) => ({
          provider: row.provider,
          model: row.model,
          promptTokens: Number(row.prompt_tokens),
          completionTokens: Number(row.completion_tokens),
          cost: row.cost.toString(),
          latencyMs: row.latency_ms,
          createdAt: new Date(row.created_at).toISOString(),
        })),
      }
    },

    /** Resolves once the journaled usage (write-behind) is in the database. */
    async flush(): Promise<void> {
      await journal?.flush()
    },

    /** Writes the journal's pending usage (write-behind) and lets go of it. */
    async close(): Promise<void> {
      await journal?.close()
    },
  }
}

export type GatewayStore = Awaited<ReturnType<typeof createGatewayStore>>
