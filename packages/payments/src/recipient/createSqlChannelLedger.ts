import type { Database } from '@infermesh/node/database'
import type { Address, Hex } from 'viem'
import type { Channel, ChannelLedger, ReceiptRecord } from './ChannelLedger.js'
import { migrateChannelLedger } from './migrateChannelLedger.js'

type ChannelRow = {
  payer: string
  model_id: string
  owed: string
  voucher: string
  signature: string | null
  redeemed: string
}

const toChannel = (row: ChannelRow): Channel => ({
  payer: row.payer as Address,
  modelId: row.model_id as Hex,
  owed: BigInt(row.owed),
  voucher: BigInt(row.voucher),
  signature: row.signature as Hex | null,
  redeemed: BigInt(row.redeemed),
})

/**
 * The provider's channel ledger in SQL (PGlite or PostgreSQL), tables `channels` and `receipts` (created
 * on first use by `migrateChannelLedger`). Every change is one atomic statement or a transaction, so a
 * voucher never goes down and concurrent receipts get distinct cumulatives.
 *
 * @example
 * const ledger = await createSqlChannelLedger(await openDatabase({ dataDir: '.infermesh/provider-db' }))
 * const gate = createPaymentGate({ chainId, payments, provider, ledger, creditLimit, availableAllocation })
 */
export async function createSqlChannelLedger(db: Database): Promise<ChannelLedger> {
  await migrateChannelLedger(db)
  // Addresses are stored checksummed, model ids lower-case, so lookups need no normalisation.
  const ledger: ChannelLedger = {
    /** The channel, or an empty one when the payer never came for this model. */
    async get(payer: Address, modelId: Hex): Promise<Channel> {
      const [row] = await db.query<ChannelRow>('select * from channels where payer = $1 and model_id = $2', [
        payer,
        modelId,
      ])
      return row ? toChannel(row) : { payer, modelId, owed: 0n, voucher: 0n, signature: null, redeemed: 0n }
    },

    /** Everything the payer owes across its channels and that the chain has not paid yet. */
    async exposure(payer: Address): Promise<bigint> {
      return (await ledger.payerTotals(payer)).exposure
    },

    /** Completed work the payer has not covered with vouchers, across its channels. */
    async unpaid(payer: Address): Promise<bigint> {
      return (await ledger.payerTotals(payer)).unpaid
    },

    /** `unpaid` and `exposure` together, in one query (the payment gate needs both per request). */
    async payerTotals(payer: Address): Promise<{ unpaid: bigint; exposure: bigint }> {
      const [row] = await db.query<{ unpaid: string | null; exposure: string | null }>(
        `select sum(greatest(owed - voucher, 0)) as unpaid, sum(greatest(owed, voucher) - redeemed) as exposure
         from channels where payer = $1`,
        [payer],
      )
      return { unpaid: BigInt(row?.unpaid ?? 0), exposure: BigInt(row?.exposure ?? 0) }
    },

    /**
     * Stores a voucher when it raises the channel's highest; returns the channel after. The caller
     * has checked the signature. Never lowers the stored voucher (the guards make concurrent
     * writers safe). A voucher above `owed` is adopted: the payer acknowledges that much work.
     */
    async saveVoucher(payer: Address, modelId: Hex, cumulative: bigint, signature: Hex): Promise<Channel> {
      const [row] = await db.query<ChannelRow>(
        `insert into channels (payer, model_id, voucher, signature, owed) values ($1, $2, $3, $4, $3)
         on conflict (payer, model_id) do update set
           voucher = case when excluded.voucher > channels.voucher then excluded.voucher else channels.voucher end,
           owed = greatest(channels.owed, excluded.voucher),
           signature = case when excluded.voucher > channels.voucher then excluded.signature else channels.signature end,
           updated_at = now()
         returning *`,
        [payer, modelId, cumulative.toString(), signature],
      )
      if (!row) throw new Error('saveVoucher returned no row')
      return toChannel(row)
    },

    /**
     * Adds a completed request's cost to the channel and records its receipt, atomically.
     * `sign` receives the new cumulative and returns the receipt signature.
     */
    async addReceipt(
      record: ReceiptRecord,
      sign: (cumulative: bigint) => Promise<Hex>,
    ): Promise<{ cumulative: bigint; signature: Hex }> {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<{ owed: string }>(
          `insert into channels (payer, model_id, owed) values ($1, $2, $3)
           on conflict (payer, model_id) do update set owed = channels.owed + excluded.owed, updated_at = now()
           returning owed`,
          [record.payer, record.modelId, record.cost.toString()],
        )
        const cumulative = BigInt(row?.owed ?? 0)
        const signature = await sign(cumulative)
        await tx.query(
          `insert into receipts (payer, model_id, request_hash, response_hash, input_tokens, output_tokens, cost, cumulative, signature)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            record.payer,
            record.modelId,
            record.requestHash,
            record.responseHash,
            record.inputTokens.toString(),
            record.outputTokens.toString(),
            record.cost.toString(),
            cumulative.toString(),
            signature,
          ],
        )
        return { cumulative, signature }
      })
    },

    /**
     * Channels holding a voucher above what was redeemed, largest first (what the voucher says, not what
     * the payer's allocation can pay: the settler reads that).
     */
    async redeemable(limit: number, minAmount = 0n): Promise<Channel[]> {
      const rows = await db.query<ChannelRow>(
        `select * from channels where signature is not null and voucher - redeemed > $1
         order by voucher - redeemed desc limit $2`,
        [minAmount.toString(), limit],
      )
      return rows.map(toChannel)
    },

    /**
     * Forgets a voucher the chain refused (RedeemSkipped with InvalidSignature: a contract payer whose
     * wallet now says no): the channel keeps what it is owed, its voucher falls back to what was redeemed,
     * so the payer's next request must bring a new voucher (voucher_stale) and the settler stops trying
     * this one. Only the voucher `cumulative` refused is dropped (a newer one stays).
     */
    async dropVoucher(payer: Address, modelId: Hex, cumulative: bigint): Promise<void> {
      await db.query(
        `update channels set voucher = redeemed, signature = null, updated_at = now()
         where payer = $1 and model_id = $2 and voucher = $3`,
        [payer, modelId, cumulative.toString()],
      )
    },

    /** Records what the chain has paid on a channel (never lowers it). */
    async setRedeemed(payer: Address, modelId: Hex, paid: bigint): Promise<void> {
      await db.query(
        `update channels set redeemed = greatest(redeemed, $3), updated_at = now() where payer = $1 and model_id = $2`,
        [payer, modelId, paid.toString()],
      )
    },

    /** Payers with channels (for watching their withdrawals). */
    async payers(): Promise<Address[]> {
      const rows = await db.query<{ payer: string }>('select distinct payer from channels')
      return rows.map((row) => row.payer as Address)
    },

    /** Totals for metrics and status: owed, signed, redeemed, receipts served. */
    async totals(): Promise<{ owed: bigint; vouchers: bigint; redeemed: bigint; receipts: number }> {
      const [row] = await db.query<{ owed: string | null; vouchers: string | null; redeemed: string | null }>(
        'select sum(owed) as owed, sum(voucher) as vouchers, sum(redeemed) as redeemed from channels',
      )
      const [count] = await db.query<{ n: string }>('select count(*) as n from receipts')
      return {
        owed: BigInt(row?.owed ?? 0),
        vouchers: BigInt(row?.vouchers ?? 0),
        redeemed: BigInt(row?.redeemed ?? 0),
        receipts: Number(count?.n ?? 0),
      }
    },
  }
  return ledger
}
