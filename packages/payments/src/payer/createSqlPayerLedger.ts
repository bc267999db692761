import type { Database } from '@infermesh/node/database'
import type { Address, Hex } from 'viem'
import { migratePayerLedger } from './migratePayerLedger.js'
import type { PayerChannel, PayerLedger } from './PayerLedger.js'

/**
 * The payer's ledger in SQL (PGlite or PostgreSQL), in its own table `payer_channels` (created, or
 * migrated from a gateway database of before, on first use). Every change is one atomic statement or
 * a row-locked transaction, so several processes may share one PostgreSQL and a billed total never
 * goes down.
 *
 * @example
 * const ledger = await createSqlPayerLedger(await openDatabase({ dataDir: '.infermesh/gateway-db' }))
 * const payer = createPayer({ account, chainId, payments, ledger })
 */
export async function createSqlPayerLedger(db: Database): Promise<PayerLedger> {
  await migratePayerLedger(db)
  // Addresses keep the case they came in (checksummed from the chain); model ids are stored lower-case.
  return {
    async billed(provider: Address, modelId: Hex): Promise<bigint> {
      const [row] = await db.query<{ billed: string }>(
        'select billed from payer_channels where provider = $1 and model_id = $2',
        [provider, modelId.toLowerCase()],
      )
      return BigInt(row?.billed ?? 0)
    },

    async addBilled(provider: Address, modelId: Hex, cost: bigint): Promise<bigint> {
      const [row] = await db.query<{ billed: string }>(
        `insert into payer_channels (provider, model_id, billed) values ($1, $2, $3)
         on conflict (provider, model_id) do update set billed = payer_channels.billed + excluded.billed, updated_at = now()
         returning billed`,
        [provider, modelId.toLowerCase(), cost.toString()],
      )
      return BigInt(row?.billed ?? 0)
    },

    async addAbortAllowance(provider: Address, modelId: Hex, amount: bigint, cap?: bigint): Promise<void> {
      const limit = cap === undefined ? null : cap.toString()
      await db.query(
        `insert into payer_channels (provider, model_id, abort_allowance) values ($1, $2, least($3::numeric, coalesce($4::numeric, $3::numeric)))
         on conflict (provider, model_id) do update set abort_allowance =
           least(payer_channels.abort_allowance + excluded.abort_allowance, coalesce($4::numeric, payer_channels.abort_allowance + excluded.abort_allowance))`,
        [provider, modelId.toLowerCase(), amount.toString(), limit],
      )
    },

    async resync(provider: Address, modelId: Hex, owed: bigint): Promise<bigint | undefined> {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<{ billed: string; abort_allowance: string }>(
          'select billed, abort_allowance from payer_channels where provider = $1 and model_id = $2 for update',
          [provider, modelId.toLowerCase()],
        )
        const billed = BigInt(row?.billed ?? 0)
        const allowance = BigInt(row?.abort_allowance ?? 0)
        if (owed <= billed) return billed
        if (owed - billed > allowance) return undefined
        await tx.query(
          'update payer_channels set billed = $3, abort_allowance = $4, updated_at = now() where provider = $1 and model_id = $2',
          [provider, modelId.toLowerCase(), owed.toString(), (allowance - (owed - billed)).toString()],
        )
        return owed
      })
    },

    async outstanding(provider: Address): Promise<{ modelId: Hex; owed: bigint }[]> {
      const rows = await db.query<{ model_id: string; owed: string }>(
        'select model_id, billed + abort_allowance as owed from payer_channels where lower(provider) = lower($1)',
        [provider],
      )
      return rows.map((row) => ({ modelId: row.model_id as Hex, owed: BigInt(row.owed) }))
    },

    async channels(): Promise<PayerChannel[]> {
      const rows = await db.query<{ provider: string; model_id: string; billed: string }>(
        'select provider, model_id, billed from payer_channels where billed > 0 order by provider, model_id',
      )
      return rows.map((row) => ({
        provider: row.provider as Address,
        modelId: row.model_id as Hex,
        billed: BigInt(row.billed),
      }))
    },
  }
}
