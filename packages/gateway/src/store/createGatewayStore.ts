import { createHash, randomBytes } from 'node:crypto'
import type { Database } from '@infermesh/node/database'
import type { Address, Hex } from 'viem'

const schema = [
  `create table if not exists gateway_channels (
    provider text not null,
    model_id text not null,
    billed numeric(78, 0) not null default 0,
    abort_allowance numeric(78, 0) not null default 0,
    updated_at timestamptz not null default now(),
    primary key (provider, model_id)
  )`,
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
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex')

/**
 * The gateway's durable state, shared safely by several gateway processes on one PostgreSQL:
 * per channel (provider, model) what the payer has been billed in verified receipts (the next
 * voucher's cumulative, never lowered: updates are atomic increments); API keys (stored hashed);
 * usage records per key.
 */
export async function createGatewayStore(db: Database) {
  for (const statement of schema) await db.query(statement)

  return {
    /** What the payer owes the provider on this channel by verified receipts: the voucher to sign. */
    async billed(provider: Address, modelId: Hex): Promise<bigint> {
      const [row] = await db.query<{ billed: string }>(
        'select billed from gateway_channels where provider = $1 and model_id = $2',
        [provider, modelId.toLowerCase()],
      )
      return BigInt(row?.billed ?? 0)
    },

    /** Adds a verified receipt's cost to the channel, atomically; returns the new total. */
    async addBilled(provider: Address, modelId: Hex, cost: bigint): Promise<bigint> {
      const [row] = await db.query<{ billed: string }>(
        `insert into gateway_channels (provider, model_id, billed) values ($1, $2, $3)
         on conflict (provider, model_id) do update set billed = gateway_channels.billed + excluded.billed, updated_at = now()
         returning billed`,
        [provider, modelId.toLowerCase(), cost.toString()],
      )
      return BigInt(row?.billed ?? 0)
    },

    /** Remembers the worst-case cost of a request aborted before its receipt arrived. */
    async addAbortAllowance(provider: Address, modelId: Hex, amount: bigint): Promise<void> {
      await db.query(
        `insert into gateway_channels (provider, model_id, abort_allowance) values ($1, $2, $3)
         on conflict (provider, model_id) do update set abort_allowance = gateway_channels.abort_allowance + excluded.abort_allowance`,
        [provider, modelId.toLowerCase(), amount.toString()],
      )
    },

    /**
     * Accepts a provider's claim that more is owed (receipts of aborted requests the gateway never
     * read), up to the allowance those aborts created. Returns the new billed total, or undefined
     * when the claim is larger than the allowance.
     */
    async resync(provider: Address, modelId: Hex, owed: bigint): Promise<bigint | undefined> {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<{ billed: string; abort_allowance: string }>(
          'select billed, abort_allowance from gateway_channels where provider = $1 and model_id = $2 for update',
          [provider, modelId.toLowerCase()],
        )
        const billed = BigInt(row?.billed ?? 0)
        const allowance = BigInt(row?.abort_allowance ?? 0)
        if (owed <= billed) return billed
        if (owed - billed > allowance) return undefined
        await tx.query(
          'update gateway_channels set billed = $3, abort_allowance = $4, updated_at = now() where provider = $1 and model_id = $2',
          [provider, modelId.toLowerCase(), owed.toString(), (allowance - (owed - billed)).toString()],
        )
        return owed
      })
    },

    /** Every channel with billed work: (provider, model id, billed). */
    async channels(): Promise<{ provider: Address; modelId: Hex; billed: bigint }[]> {
      const rows = await db.query<{ provider: string; model_id: string; billed: string }>(
        'select provider, model_id, billed from gateway_channels where billed > 0',
      )
      return rows.map((row) => ({
        provider: row.provider as Address,
        modelId: row.model_id as Hex,
        billed: BigInt(row.billed),
      }))
    },

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
      const [row] = await db.query<{ id: string; name: string; spend_limit: string | null; spent: string }>(
        'select id, name, spend_limit, spent from api_keys where key_hash = $1',
        [hashKey(key)],
      )
      if (!row) return undefined
      return {
        id: row.id,
        name: row.name,
        spendLimit: row.spend_limit === null ? null : BigInt(row.spend_limit),
        spent: BigInt(row.spent),
      }
    },

    /** Records one served request and adds its cost to the key's spending, atomically. */
    async recordUsage(record: UsageRecord): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `insert into usage_records (api_key_id, provider, model, model_id, prompt_tokens, completion_tokens, cost, latency_ms, request_hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
          ],
        )
        await tx.query('update api_keys set spent = spent + $2 where id = $1', [
          record.apiKeyId,
          record.cost.toString(),
        ])
      })
    },

    /** A key's most recent usage records and totals. */
    async usage(apiKeyId: string, limit = 100) {
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
  }
}

export type GatewayStore = Awaited<ReturnType<typeof createGatewayStore>>
