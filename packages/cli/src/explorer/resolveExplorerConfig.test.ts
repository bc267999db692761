import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exitCodeOf } from '../exitCodeOf.js'
import { resolveExplorerConfig } from './resolveExplorerConfig.js'

const contracts = {
  token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  registry: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  payments: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  models: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
}

describe('resolveExplorerConfig', () => {
  let dir: string
  let file: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-explorer-config-'))
    file = join(dir, 'explorer.json')
    await writeFile(
      file,
      JSON.stringify({
        chain: { rpcUrl: 'http://127.0.0.1:8545', contracts, startBlock: '3' },
        server: { port: 9000 },
        database: { dir: 'data' },
      }),
    )
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('takes a flag over the environment over the file over the default, and says where each came from', async () => {
    const { config, sources } = await resolveExplorerConfig({
      flags: { config: file, port: '9100' },
      env: {
        INFERMESH_EXPLORER_PORT: '9200',
        INFERMESH_EXPLORER_CONFIRMATIONS: '12',
        DATABASE_URL: 'postgres://u:p@db/x',
      },
    })
    assert.equal(config.server.port, 9100)
    assert.equal(config.indexer.confirmations, 12)
    assert.equal(config.database.url, 'postgres://u:p@db/x')
    assert.equal(config.database.dir, join(dir, 'data'), 'relative to the file')
    assert.equal(config.chain.startBlock, 3n)
    assert.equal(config.indexer.pollMs, 2000)
    assert.deepEqual(sources, {
      'server.port': '--port',
      'database.url': 'DATABASE_URL',
      'indexer.confirmations': 'INFERMESH_EXPLORER_CONFIRMATIONS',
    })
  })

  it('names a missing file and a wrong field with exit code 2', async () => {
    await assert.rejects(
      resolveExplorerConfig({ flags: { config: join(dir, 'none.json') }, env: {} }),
      (error: Error) => {
        assert.equal(exitCodeOf(error), 2)
        assert.match(error.message, /^no explorer config at .*none\.json \(--config\)/)
        return true
      },
    )
    await assert.rejects(
      resolveExplorerConfig({ flags: { config: file, confirmations: 'many' }, env: {} }),
      (error: Error) => {
        assert.match(error.message, /is invalid:\n {2}indexer\.confirmations/)
        return true
      },
    )
  })
})
