import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { BaseError } from '../errors/BaseError.js'
import { maskSecrets } from '../secrets/maskSecrets.js'

/** The database could not be opened or reached. */
export class DatabaseError extends BaseError {
  override name = 'DatabaseError' as const
}

/** Something SQL can be sent to: the database, or one transaction on it. */
export type Sql = {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>
}

/** One SQL dialect (PostgreSQL) over either PGlite (embedded, default) or a PostgreSQL server. */
export type Database = Sql & {
  readonly kind: 'pglite' | 'postgres'
  /** PGlite's data directory (undefined in memory and for PostgreSQL). */
  readonly dataDir?: string | undefined
  /** Runs `fn` in a transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export type OpenDatabaseOptions = {
  /** `postgres://…` for a PostgreSQL server; otherwise PGlite. */
  url?: string
  /** PGlite data directory; in memory when omitted. */
  dataDir?: string
}

/**
 * Opens a daemon's database: PGlite in `dataDir` by default, PostgreSQL when `url` is given.
 *
 * @example
 * const db = await openDatabase({ dataDir: '.infermesh/provider-db' })
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) return openPostgres(options.url)
  const lite = options.dataDir ? new PGlite(options.dataDir) : new PGlite()
  await lite.waitReady
  const wrap = (target: Pick<PGlite, 'query'>): Sql => ({
    query: async <Row>(text: string, params: unknown[] = []) => (await target.query<Row>(text, params)).rows,
  })
  return {
    kind: 'pglite',
    dataDir: options.dataDir,
    ...wrap(lite),
    transaction: (fn) => lite.transaction((tx) => fn(wrap(tx))),
    close: () => lite.close(),
  }
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  try {
    await pool.query('select 1')
  } catch (cause) {
    await pool.end()
    throw new DatabaseError(`Cannot connect to PostgreSQL at ${maskSecrets(url)}.`, {
      retryable: true,
      cause,
      details: maskSecrets(cause instanceof Error ? cause.message : String(cause)),
    })
  }
  return {
    kind: 'postgres',
    query: async <Row>(text: string, params: unknown[] = []) =>
      (await pool.query(text, params)).rows as Row[],
    transaction: async (fn) => {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await fn({
          query: async <Row>(text: string, params: unknown[] = []) =>
            (await client.query(text, params)).rows as Row[],
        })
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}
