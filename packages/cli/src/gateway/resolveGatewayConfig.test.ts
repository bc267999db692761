import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { maskConfig } from '@infermesh/node'
import { ConfigError } from '@infermesh/node/config'
import { exitCodeOf } from '../exitCodeOf.js'
import { resolveGatewayConfig } from './resolveGatewayConfig.js'

const contracts = {
  token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  registry: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  payments: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  models: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
}
const devKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const fileConfig = {
  chain: { rpcUrl: 'http://127.0.0.1:8545', contracts },
  server: { port: 9000 },
  database: { dir: 'data' },
  payer: { keystore: 'payer.json' },
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`)
    return error
  }
  assert.fail('expected a rejection')
}

describe('resolveGatewayConfig', () => {
  let dir: string
  let file: string
  const write = async (name: string, config: unknown) => {
    const path = join(dir, 'gateway', name)
    await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config))
    return path
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-gateway-config-'))
    await mkdir(join(dir, 'gateway'))
    file = await write('gateway.json', fileConfig)
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('takes a flag over the environment, the environment over the file, and the file over the default', async () => {
    const { config, sources } = await resolveGatewayConfig({
      flags: { config: file, port: '9100' },
      env: {
        INFERMESH_GATEWAY_PORT: '9200',
        INFERMESH_GATEWAY_HOST: '0.0.0.0',
        INFERMESH_RPC_URL: 'http://node:8545',
        DATABASE_URL: 'postgres://u:secret@db/infermesh',
      },
    })
    assert.equal(config.server.port, 9100, 'flag over environment')
    assert.equal(config.server.host, '0.0.0.0', 'environment over default')
    assert.equal(config.chain.rpcUrl, 'http://node:8545', 'environment over file')
    assert.equal(config.database.url, 'postgres://u:secret@db/infermesh')
    assert.equal(config.routing.maxAttempts, 3, 'default')
    assert.deepEqual(sources, {
      'chain.rpcUrl': 'INFERMESH_RPC_URL',
      'server.host': 'INFERMESH_GATEWAY_HOST',
      'server.port': '--port',
      'database.url': 'DATABASE_URL',
    })
  })

  it('finds the file through INFERMESH_GATEWAY_CONFIG and reads its relative paths from its directory', async () => {
    const { config, file: found } = await resolveGatewayConfig({
      flags: {},
      env: { INFERMESH_GATEWAY_CONFIG: file },
    })
    assert.equal(found, file)
    assert.equal(config.database.dir, join(dir, 'gateway', 'data'))
    assert.deepEqual(config.payer, { keystore: join(dir, 'gateway', 'payer.json') })
  })

  it('lets --keystore replace a clear-text payer key, resolved from the working directory', async () => {
    const devFile = await write('dev.json', { ...fileConfig, payer: { privateKey: devKey } })
    const { config, sources } = await resolveGatewayConfig({
      flags: { config: devFile, keystore: 'keys/payer.json' },
      env: {},
      cwd: dir,
    })
    assert.deepEqual(config.payer, { keystore: join(dir, 'keys', 'payer.json') })
    assert.equal(sources['payer.keystore'], '--keystore')
  })

  it('prints the config with the payer key, the RPC URL and the database password masked', async () => {
    const devFile = await write('masked.json', { ...fileConfig, payer: { privateKey: devKey } })
    const { config } = await resolveGatewayConfig({
      flags: {
        config: devFile,
        'database-url': 'postgres://u:secret@db/im',
        'rpc-url': 'https://user:pw@rpc.example/v3/0123456789abcdef0123456789abcdef',
      },
      env: {},
    })
    const printed = JSON.stringify(maskConfig(config))
    assert.ok(!printed.includes(devKey.slice(10)), 'no payer key')
    assert.ok(!printed.includes('secret'), 'no database password')
    assert.ok(!printed.includes('pw@') && !printed.includes('0123456789abcdef'), 'no RPC credentials')
    assert.match(printed, /"rpcUrl":"https:\/\/user:\*{8}@rpc\.example\/v3\/\*{8}"/)
    assert.match(printed, new RegExp(`"token":"${contracts.token}"`), 'addresses are not secrets')
    assert.match(printed, /"privateKey":"0x59c6…\*{8}"/)
    assert.match(printed, /"lowDepositWei":"10000000000000000000"/)
  })

  it('without --config, falls back to the gateway of the devnet "infermesh up" runs in $INFERMESH_DIR', async () => {
    await mkdir(join(dir, 'net', 'devnet', 'gateway'), { recursive: true })
    const devnetConfig = join(dir, 'net', 'devnet', 'gateway', 'gateway.json')
    await writeFile(devnetConfig, JSON.stringify({ ...fileConfig, payer: { privateKey: devKey } }))
    const { file: found, config } = await resolveGatewayConfig({
      flags: {},
      env: { INFERMESH_DIR: 'net' },
      cwd: dir,
    })
    assert.equal(found, devnetConfig)
    assert.equal(config.database.dir, join(dir, 'net', 'devnet', 'gateway', 'data'))
  })

  it('says where the default file would be when there is none, and how to get one (exit 2)', async () => {
    const error = await rejection(resolveGatewayConfig({ flags: {}, env: {}, cwd: dir }))
    assert.equal(exitCodeOf(error), 2)
    assert.equal(
      error.message,
      `no gateway config at ${join(dir, '.infermesh/gateway/gateway.json')}: "infermesh up" writes one for a devnet (in <dir>/devnet/gateway/gateway.json), or pass --config FILE`,
    )
  })

  it('names every wrong field, with a suggestion for a misspelt key, and blames a bad flag', async () => {
    const bad = await write('bad.json', {
      chain: { rpcUrl: 'ftp://x', contracts },
      server: { prot: 1 },
      payer: {},
    })
    const error = await rejection(resolveGatewayConfig({ flags: { config: bad, port: 'http' }, env: {} }))
    assert.equal(exitCodeOf(error), 2)
    const lines = error.message.split('\n')
    assert.equal(lines[0], `the gateway config ${bad} is invalid:`)
    assert.ok(lines.includes('  server.prot: unknown key (did you mean "port"?)'), error.message)
    assert.ok(
      lines.some((l) => l.startsWith('  server.port (from --port): ')),
      error.message,
    )
    assert.ok(
      lines.some((l) => l.startsWith('  chain.rpcUrl: ')),
      error.message,
    )
    assert.ok(
      lines.includes(
        '  payer: must be { "keystore": "<keystore file>" } or, for development only, { "privateKey": "0x…" }',
      ),
      error.message,
    )
  })

  it('refuses a file that is not JSON', async () => {
    const broken = await write('broken.json', '{ "chain": ')
    const error = await rejection(resolveGatewayConfig({ flags: { config: broken }, env: {} }))
    assert.match(error.message, new RegExp(`^the gateway config ${broken} is not valid JSON: `))
  })
})
