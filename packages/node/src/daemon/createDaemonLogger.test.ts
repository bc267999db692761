import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { it } from 'node:test'
import { createDaemonLogger } from './createDaemonLogger.js'

it('masks passwords and RPC keys in every field of every line, and the lines stay JSON', async () => {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trimEnd().split('\n'))
      done()
    },
  })
  const logger = createDaemonLogger({ name: 'widget', level: 'debug', destination })
  const rpcUrl = 'https://user:pw@rpc.example/v3/0123456789abcdef0123456789abcdef'
  logger.info({ rpcUrl, database: 'postgres://app:hunter2@db:5432/x' }, `connected to ${rpcUrl}`)
  logger.error({ err: new Error(`the chain at ${rpcUrl} stopped answering`) }, 'chain lost')
  logger.trace('below the level: not written')
  await new Promise((resolve) => setImmediate(resolve))

  assert.equal(lines.length, 2)
  const text = lines.join('\n')
  for (const secret of ['pw@', '0123456789abcdef0123456789abcdef', 'hunter2'])
    assert.ok(!text.includes(secret), `${secret} in ${text}`)
  const [first, second] = lines.map((line) => JSON.parse(line))
  assert.equal(first.name, 'infermesh-widget')
  assert.equal(first.msg, 'connected to https://user:********@rpc.example/v3/********')
  assert.equal(first.rpcUrl, 'https://user:********@rpc.example/v3/********')
  assert.equal(first.database, 'postgres://app:********@db:5432/x')
  assert.equal(
    second.err.message,
    'the chain at https://user:********@rpc.example/v3/******** stopped answering',
  )
  assert.match(second.err.stack, /^Error: the chain at https:\/\/user:\*{8}@rpc\.example\/v3\/\*{8} stopped/)
})
