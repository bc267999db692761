import type { Database, Sql } from '@infermesh/node/database'
import { AbiEventSignatureNotFoundError, decodeEventLog, type Hex, type Log, type PublicClient } from 'viem'
import { derivedTables } from '../db/migrateExplorerDatabase.js'
import { sanitizeText } from '../db/sanitizeText.js'
import { ExplorerError } from '../errors.js'
import type { ContractHandlers, EventArgs, IndexedEvent } from './eventHandlers.js'

export type IndexerOptions = {
  db: Database
  publicClient: PublicClient
  contracts: ContractHandlers[]
  /** First block to index (the deployment's). */
  startBlock: bigint
  /** Blocks a log must be under before it is indexed. */
  confirmations: number
  /** Blocks per eth_getLogs call. */
  batchBlocks: number
  /** How often to look for new blocks. */
  pollMs: number
  /** How far back a reorg may reach before the indexer gives up (and says so). Default 1,000. */
  maxReorgDepth?: number
  /**
   * How many times a batch is tried when the same event makes it fail, before that event is
   * quarantined (left out, recorded in `quarantined_events`) and the batch goes on without it. Default 3.
   */
  quarantineAfter?: number
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Called after each committed batch and after each rewind. */
  onProgress?: (progress: IndexerProgress) => void
}

export type IndexerProgress = {
  /** Last block whose events are all in the database. */
  indexedBlock: bigint
  /** The chain's head when last asked. */
  headBlock: bigint
  /** Events stored by that batch (0 for a rewind). */
  events: number
  /** Set when the batch was a rewind after a reorg: the block indexing restarts after. */
  rewoundTo?: bigint
  /** Events that batch (or rewind) quarantined instead of indexing. */
  quarantined?: number
}

export type Indexer = {
  /** Indexes until caught up with the head (minus confirmations); resolves with the progress. */
  syncOnce: () => Promise<IndexerProgress>
  /** Follows the chain: `syncOnce` every `pollMs`. */
  start: () => void
  /** Stops following; waits for a batch in flight to commit or roll back. */
  stop: () => Promise<void>
  progress: () => IndexerProgress
}

/** Reorganized under us (a block hash changed while indexing): the tick is retried. */
class ReorgDuringBatch extends Error {}

/** One event could not be stored or folded into the derived tables: its batch was rolled back. */
class EventFailed extends Error {
  constructor(
    readonly event: Omit<IndexedEvent, 'timestamp'>,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `${event.contract}.${event.name} at block ${event.blockNumber}, log ${event.logIndex} could not be indexed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
  }
}

/** The longest string of an event argument the explorer stores, in characters (the contracts allow 512 bytes). */
export const maxChainStringLength = 2048
/** The longest error message kept with a quarantined event. */
const maxErrorLength = 500

type Header = { number: bigint; hash: Hex; parentHash: Hex; timestamp: bigint }

/**
 * The JSON form of decoded arguments. Strings are whatever the caller wrote (`ModelRegistry.register` is
 * permissionless): `sanitizeText` makes them storable (U+0000 and lone surrogates become U+FFFD) and
 * cuts them at `maxChainStringLength`. Handlers get the same values, live and on replay.
 */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string')
    return /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : sanitizeText(value, maxChainStringLength)
  if (Array.isArray(value)) return value.map(toJson)
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJson(inner)]))
  return value
}

/**
 * Follows the contracts' events into the database. Each batch of blocks is one transaction that
 * stores the decoded events, folds them into the derived tables through the handler table and moves
 * the cursor, so a restart resumes exactly after the last committed batch: no event is missed or
 * counted twice. Only blocks `confirmations` deep are indexed. Reorgs are detected by block hashes
 * (the cursor block must still be the parent of the next one); the indexer then walks back to the
 * newest stored block the chain still has, deletes what came after, rebuilds the derived tables
 * from the events kept, and goes on from there.
 *
 * No event can stop the cursor. Strings are stored sanitized (see `toJson`). An event whose storing or
 * handler fails rolls its batch back; the batch is tried again at once, and once the same event has
 * failed `quarantineAfter` times it is quarantined: left out of `chain_events` and the derived tables,
 * recorded in `quarantined_events` (block, log index, transaction, error) with a warning naming block
 * and log index, and the batch commits without it. Errors that are not an event's (the RPC, the
 * database unreachable) are thrown as before, for the caller to retry later.
 */
export function createIndexer(options: IndexerOptions): Indexer {
  const { db, publicClient, contracts, log } = options
  /** The contracts followed: the configured ones, and those their events created (`spawns`). */
  const followed = [...contracts]
  const byAddress = new Map(contracts.map((contract) => [contract.address.toLowerCase(), contract]))
  /** Follows `children` not followed yet; returns those. */
  const follow = (children: ContractHandlers[]) => {
    const fresh = children.filter((child) => !byAddress.has(child.address.toLowerCase()))
    for (const child of fresh) {
      byAddress.set(child.address.toLowerCase(), child)
      followed.push(child)
    }
    return fresh
  }
  const spawnedBy = (events: Pick<IndexedEvent, 'contract' | 'name' | 'args'>[]) =>
    follow(events.flatMap((event) => followed.find((c) => c.name === event.contract)?.spawns?.(event) ?? []))
  let restored = false
  /** After a restart: follows again the contracts that stored events created (a share token per model…). */
  async function restoreSpawned() {
    restored = true
    for (const contract of contracts) {
      if (!contract.spawns) continue
      const rows = await db.query<{ name: string; args: EventArgs }>(
        'select name, args from chain_events where contract = $1 order by block_number, log_index',
        [contract.name],
      )
      spawnedBy(rows.map((row) => ({ contract: contract.name, ...row })))
    }
  }
  const maxReorgDepth = BigInt(options.maxReorgDepth ?? 1000)
  const quarantineAfter = options.quarantineAfter ?? 3
  /** Failures per event (block, log index, block hash) since it was last tried. */
  const failures = new Map<string, { blockNumber: bigint; count: number; error: string }>()
  const eventKey = (event: Pick<IndexedEvent, 'blockNumber' | 'logIndex' | 'blockHash'>) =>
    `${event.blockNumber}:${event.logIndex}:${event.blockHash}`
  let state: IndexerProgress = { indexedBlock: options.startBlock - 1n, headBlock: 0n, events: 0 }
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let stopped = false

  const header = async (number: bigint): Promise<Header> => {
    const block = await publicClient.getBlock({ blockNumber: number })
    if (!block.hash) throw new ReorgDuringBatch(`block ${number} has no hash yet`)
    return { number, hash: block.hash, parentHash: block.parentHash, timestamp: block.timestamp }
  }

  const saveHeader = (tx: Sql, h: Header) =>
    tx.query(
      `insert into indexed_blocks (number, hash, parent_hash, timestamp) values ($1, $2, $3, to_timestamp($4))
       on conflict (number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash, timestamp = excluded.timestamp`,
      [h.number.toString(), h.hash, h.parentHash, Number(h.timestamp)],
    )

  async function cursor(): Promise<{ number: bigint; hash: string } | undefined> {
    const [row] = await db.query<{ block_number: string; block_hash: string }>(
      'select block_number, block_hash from indexer_cursor where id = 1',
    )
    return row ? { number: BigInt(row.block_number), hash: row.block_hash } : undefined
  }

  async function apply(tx: Sql, event: IndexedEvent) {
    const handler = followed.find((c) => c.name === event.contract)?.handlers[event.name]
    if (handler) await handler(tx, event)
  }

  /** Records an event left out of the index, and says so. */
  async function quarantine(
    tx: Sql,
    event: Omit<IndexedEvent, 'timestamp'>,
    error: string,
    attempts: number,
  ) {
    const message = sanitizeText(error, maxErrorLength)
    await tx.query(
      `insert into quarantined_events (block_number, log_index, block_hash, tx_hash, contract, name, error, attempts, at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, now())
       on conflict (block_number, log_index) do update set block_hash = excluded.block_hash, tx_hash = excluded.tx_hash,
         contract = excluded.contract, name = excluded.name, error = excluded.error, attempts = excluded.attempts, at = excluded.at`,
      [
        event.blockNumber.toString(),
        event.logIndex,
        event.blockHash,
        event.txHash,
        event.contract,
        event.name,
        message,
        attempts,
      ],
    )
    log.warn({
      msg: 'quarantined an event that cannot be indexed: indexing goes on without it',
      block: event.blockNumber.toString(),
      logIndex: event.logIndex,
      txHash: event.txHash,
      contract: event.contract,
      event: event.name,
      attempts,
      err: message,
    })
  }

  function decode(entry: Log): Omit<IndexedEvent, 'timestamp'> | undefined {
    const contract = byAddress.get(entry.address.toLowerCase())
    if (!contract) return undefined
    let decoded: { eventName?: string; args?: unknown }
    try {
      decoded = decodeEventLog({ abi: contract.abi, data: entry.data, topics: entry.topics })
    } catch (error) {
      // An event the explorer does not follow; or one it follows whose data does not decode.
      if (!(error instanceof AbiEventSignatureNotFoundError))
        log.warn({
          msg: 'skipped an event that does not decode',
          block: String(entry.blockNumber),
          logIndex: entry.logIndex,
          contract: contract.name,
          err: sanitizeText((error as Error).message.split('\n')[0] ?? '', maxErrorLength),
        })
      return undefined
    }
    const name = decoded.eventName
    if (!name || !(name in contract.handlers)) return undefined
    const args = toJson(decoded.args ?? {}) as EventArgs
    if (contract.keep && !contract.keep({ name, args })) return undefined
    return {
      contract: contract.name,
      name,
      args,
      blockNumber: entry.blockNumber as bigint,
      logIndex: entry.logIndex as number,
      blockHash: (entry.blockHash as string).toLowerCase(),
      txHash: (entry.transactionHash as string).toLowerCase(),
    }
  }

  /** Finds the newest stored block the chain still has, and rewinds everything after it. */
  async function rewind(from: bigint): Promise<bigint> {
    let quarantined = 0
    const stored = await db.query<{ number: string; hash: string }>(
      'select number, hash from indexed_blocks where number <= $1 order by number desc limit 1000',
      [from.toString()],
    )
    let ancestor = options.startBlock - 1n
    for (const row of stored) {
      const number = BigInt(row.number)
      if (from - number > maxReorgDepth)
        throw new ExplorerError(
          `The chain reorganized deeper than ${maxReorgDepth} blocks below block ${from}: rebuild the explorer's database.`,
          { status: 500, code: 'reorg_too_deep', retryable: false },
        )
      const block = await publicClient.getBlock({ blockNumber: number }).catch(() => undefined)
      if (block?.hash?.toLowerCase() === row.hash.toLowerCase()) {
        ancestor = number
        break
      }
    }
    await db.transaction(async (tx) => {
      await tx.query('delete from chain_events where block_number > $1', [ancestor.toString()])
      await tx.query('delete from indexed_blocks where number > $1', [ancestor.toString()])
      await tx.query('delete from quarantined_events where block_number > $1', [ancestor.toString()])
      for (const table of derivedTables) await tx.query(`delete from ${table}`)
      const events = await tx.query<{
        contract: string
        name: string
        args: EventArgs
        block_number: string
        log_index: number
        block_hash: string
        tx_hash: string
        timestamp: Date | string
      }>('select * from chain_events order by block_number, log_index')
      for (const row of events) {
        const event: IndexedEvent = {
          contract: row.contract,
          name: row.name,
          args: row.args,
          blockNumber: BigInt(row.block_number),
          logIndex: row.log_index,
          blockHash: row.block_hash,
          txHash: row.tx_hash,
          timestamp: new Date(row.timestamp),
        }
        // A savepoint per event: one that no longer folds (a handler changed) must not stop the rewind.
        await tx.query('savepoint replay_event')
        try {
          await apply(tx, event)
          await tx.query('release savepoint replay_event')
        } catch (error) {
          await tx.query('rollback to savepoint replay_event')
          await tx.query('delete from chain_events where block_number = $1 and log_index = $2', [
            row.block_number,
            row.log_index,
          ])
          await quarantine(tx, event, `on replay after a reorg: ${(error as Error).message}`, 1)
          quarantined++
        }
      }
      const [kept] = await tx.query<{ hash: string }>('select hash from indexed_blocks where number = $1', [
        ancestor.toString(),
      ])
      if (ancestor < options.startBlock || !kept) await tx.query('delete from indexer_cursor')
      else
        await tx.query(
          `insert into indexer_cursor (id, block_number, block_hash) values (1, $1, $2)
           on conflict (id) do update set block_number = excluded.block_number, block_hash = excluded.block_hash`,
          [ancestor.toString(), kept.hash],
        )
    })
    log.warn({ msg: 'chain reorganized: rewound', from: from.toString(), to: ancestor.toString() })
    state = { ...state, indexedBlock: ancestor, events: 0, rewoundTo: ancestor, quarantined }
    options.onProgress?.(state)
    return ancestor
  }

  /** Indexes blocks after the cursor up to `target` at most `batchBlocks` at a time; false when a reorg was found. */
  async function batch(target: bigint): Promise<boolean> {
    if (!restored) await restoreSpawned()
    const at = await cursor()
    const from = at ? at.number + 1n : options.startBlock
    if (from > target) {
      // Nothing new: check that the cursor block is still on the chain (a shorter chain has none there).
      const current = at && (await publicClient.getBlock({ blockNumber: at.number }).catch(() => undefined))
      if (at && current?.hash?.toLowerCase() !== at.hash.toLowerCase()) {
        await rewind(at.number)
        return false
      }
      return true
    }
    const to =
      from + BigInt(options.batchBlocks) - 1n < target ? from + BigInt(options.batchBlocks) - 1n : target
    const last = await header(to)
    const logs = await publicClient.getLogs({
      address: followed.map((contract) => contract.address),
      fromBlock: from,
      toBlock: to,
    })
    const first = from === to ? last : await header(from)
    if (at && first.parentHash.toLowerCase() !== at.hash.toLowerCase()) {
      await rewind(at.number)
      return false
    }
    const decodeAll = (entries: Log[]) =>
      entries
        .filter((entry) => !entry.removed)
        .map(decode)
        .filter((event) => event !== undefined)
    const decoded = decodeAll(logs)
    // Contracts created in these blocks (spawned by an event) have their events here too: fetched now.
    for (let fresh = spawnedBy(decoded); fresh.length > 0; ) {
      const more = decodeAll(
        await publicClient.getLogs({ address: fresh.map((c) => c.address), fromBlock: from, toBlock: to }),
      )
      decoded.push(...more)
      fresh = spawnedBy(more)
    }
    const numbers = [...new Set(decoded.map((event) => event.blockNumber))]
    const headers = new Map<bigint, Header>([
      [first.number, first],
      [last.number, last],
    ])
    await Promise.all(
      numbers.filter((n) => !headers.has(n)).map(async (n) => headers.set(n, await header(n))),
    )
    for (const event of decoded)
      if (headers.get(event.blockNumber)?.hash.toLowerCase() !== event.blockHash)
        throw new ReorgDuringBatch(`block ${event.blockNumber} changed while indexing`)
    if ((await header(to)).hash !== last.hash)
      throw new ReorgDuringBatch(`block ${to} changed while indexing`)

    const events: IndexedEvent[] = decoded
      .map((event) => ({
        ...event,
        timestamp: new Date(Number((headers.get(event.blockNumber) as Header).timestamp) * 1000),
      }))
      .sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      )
    let quarantined = 0
    await db.transaction(async (tx) => {
      for (const h of headers.values()) await saveHeader(tx, h)
      for (const event of events) {
        const failed = failures.get(eventKey(event))
        if (failed && failed.count >= quarantineAfter) {
          await quarantine(tx, event, failed.error, failed.count)
          quarantined++
          continue
        }
        try {
          // The primary key (block, log index) makes a batch that is somehow seen twice count once.
          const inserted = await tx.query(
            `insert into chain_events (block_number, log_index, block_hash, tx_hash, contract, name, args, timestamp)
             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing returning 1`,
            [
              event.blockNumber.toString(),
              event.logIndex,
              event.blockHash,
              event.txHash,
              event.contract,
              event.name,
              JSON.stringify(event.args),
              event.timestamp,
            ],
          )
          if (inserted.length > 0) await apply(tx, event)
        } catch (cause) {
          const count = (failed?.count ?? 0) + 1
          const error = cause instanceof Error ? cause.message : String(cause)
          failures.set(eventKey(event), { blockNumber: event.blockNumber, count, error })
          throw new EventFailed(event, count, cause)
        }
      }
      await tx.query(
        `insert into indexer_cursor (id, block_number, block_hash) values (1, $1, $2)
         on conflict (id) do update set block_number = excluded.block_number, block_hash = excluded.block_hash`,
        [to.toString(), last.hash.toLowerCase()],
      )
    })
    for (const [key, failed] of failures) if (failed.blockNumber <= to) failures.delete(key)
    state = { indexedBlock: to, headBlock: state.headBlock, events: events.length - quarantined, quarantined }
    options.onProgress?.(state)
    return to >= target
  }

  async function syncOnce(): Promise<IndexerProgress> {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    state = { ...state, headBlock: head }
    const target = head - BigInt(options.confirmations)
    for (let attempts = 0; ; ) {
      if (stopped) break
      try {
        if (await batch(target)) break
      } catch (error) {
        if (error instanceof EventFailed) {
          // Tried again at once: after `quarantineAfter` failures the event is left out, so this ends.
          log.warn({
            msg: 'an event could not be indexed: its batch was rolled back and is tried again',
            block: error.event.blockNumber.toString(),
            logIndex: error.event.logIndex,
            contract: error.event.contract,
            event: error.event.name,
            attempt: error.attempts,
            err: sanitizeText(error.message, maxErrorLength),
          })
          await new Promise((resolve) => setTimeout(resolve, 50 * error.attempts))
          continue
        }
        if (!(error instanceof ReorgDuringBatch) || ++attempts > 5) throw error
        log.warn({ msg: 'a block changed while indexing: retrying', reason: error.message })
      }
    }
    return state
  }

  return {
    syncOnce: () => {
      const next = (running ?? Promise.resolve()).catch(() => {}).then(syncOnce)
      running = next
      return next
    },
    start() {
      stopped = false
      const tick = async () => {
        try {
          running = syncOnce()
          await running
        } catch (error) {
          log.warn({ msg: 'indexing failed; retrying', err: (error as Error).message })
        }
        if (!stopped) timer = setTimeout(tick, options.pollMs)
      }
      void cursor().then((at) => {
        if (at) state = { ...state, indexedBlock: at.number }
        void tick()
      })
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running?.catch(() => {})
    },
    progress: () => state,
  }
}
