import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { maskConfig } from '@infermesh/node'
import { ConfigError } from '@infermesh/node/config'
import { exitCodeOf } from '../exitCodeOf.js'
import { resolveProviderConfig } from './resolveProviderConfig.js'

const contracts = {
  token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  registry: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  payments: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  models: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
}
const fileConfig = {
  chain: { rpcUrl: 'http://127.0.0.1:8545', contracts },
  keystore: { path: 'keystore.json' },
  server: { port: 9000 },
  backend: { kind: 'llama', models: [{ name: 'tiny', path: 'models/tiny.gguf' }] },
  offers: [{ model: 'tiny', pricePerMInput: '1', pricePerMOutput: '2' }],
  database: { dir: 'data' },
  registration: {
    endpoint: 'http://127.0.0.1:9000',
    region: 'local',
    hardware: { cpuCores: 2, ramMb: 1024 },
  },
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

describe('resolveProviderConfig', () => {
  let dir: string
  let file: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-config-'))
    await mkdir(join(dir, 'provider'))
    file = join(dir, 'provider', 'provider.json')
    await writeFile(file, JSON.stringify(fileConfig))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('takes a flag over the environment, the environment over the file, and the file over the default', async () => {
    const { config, sources } = await resolveProviderConfig({
      flags: { config: file, port: '9100' },
      env: {
        INFERMESH_PROVIDER_PORT: '9200',
        INFERMESH_PROVIDER_HOST: '0.0.0.0',
        INFERMESH_RPC_URL: 'http://node:8545',
      },
    })
    assert.equal(config.server.port, 9100, 'flag over environment')
    assert.equal(config.server.host, '0.0.0.0', 'environment over default')
    assert.equal(config.chain.rpcUrl, 'http://node:8545', 'environment over file')
    assert.equal(config.registration.endpoint, 'http://127.0.0.1:9000', 'file')
    assert.equal(config.server.maxQueue, 64, 'default')
    assert.deepEqual(sources, {
      'chain.rpcUrl': 'INFERMESH_RPC_URL',
      'server.host': 'INFERMESH_PROVIDER_HOST',
      'server.port': '--port',
    })
  })

  it('finds the file through INFERMESH_PROVIDER_CONFIG, and resolves its relative paths against its directory', async () => {
    const { config, file: found } = await resolveProviderConfig({
      flags: {},
      env: { INFERMESH_PROVIDER_CONFIG: file },
    })
    assert.equal(found, file)
    assert.deepEqual(config.keystore, { path: join(dir, 'provider', 'keystore.json') })
    assert.equal(
      config.backend.kind === 'llama' && config.backend.models[0]?.path,
      join(dir, 'provider', 'models/tiny.gguf'),
    )
    assert.equal(config.database.dir, join(dir, 'provider', 'data'))
  })

  it('reads a flag path against the working directory, and lets DATABASE_URL choose PostgreSQL', async () => {
    const { config, sources } = await resolveProviderConfig({
      flags: { config: file, keystore: 'other.json' },
      env: { DATABASE_URL: 'postgres://u:secret@db/provider' },
      cwd: dir,
    })
    assert.deepEqual(config.keystore, { path: join(dir, 'other.json') })
    assert.equal(config.database.url, 'postgres://u:secret@db/provider')
    assert.equal(sources['database.url'], 'DATABASE_URL')
  })

  it('names the missing file and how to create one', async () => {
    const missing = join(dir, 'nope.json')
    const error = await rejection(resolveProviderConfig({ flags: { config: missing }, env: {} }))
    assert.equal(exitCodeOf(error), 2)
    assert.equal(
      error.message,
      `no provider config at ${missing} (--config): create one with "infermesh provider init", or pass --config FILE`,
    )
  })

  it('reports every invalid field at once, blaming the flag or variable a bad value came from', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(
      bad,
      JSON.stringify({
        ...fileConfig,
        registration: { ...fileConfig.registration, regoin: 'eu' },
        chain: { contracts },
      }),
    )
    const error = await rejection(
      resolveProviderConfig({ flags: { config: bad }, env: { INFERMESH_PROVIDER_PORT: 'eighty' } }),
    )
    assert.equal(exitCodeOf(error), 2)
    assert.equal(
      error.message,
      `the provider config ${bad} is invalid:
  chain.rpcUrl: is missing (must be an http(s):// or ws(s):// URL)
  server.port (from INFERMESH_PROVIDER_PORT): Invalid input: expected number, received string
  registration.regoin: unknown key (did you mean "region"?)`,
    )
  })

  it('says when the file is not JSON', async () => {
    const broken = join(dir, 'broken.json')
    await writeFile(broken, '{ "chain": ')
    const error = await rejection(resolveProviderConfig({ flags: { config: broken }, env: {} }))
    assert.match(error.message, new RegExp(`^the provider config ${broken} is not valid JSON: `))
  })
})

describe('maskConfig on a provider config', () => {
  it('masks a clear-text key, the upstream API key and a database password, and prints amounts as strings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infermesh-mask-'))
    try {
      const file = join(dir, 'provider.json')
      const key = `0x${'ab'.repeat(32)}`
      await writeFile(
        file,
        JSON.stringify({
          ...fileConfig,
          keystore: { privateKey: key },
          backend: {
            kind: 'openai-compatible',
            baseUrl: 'http://127.0.0.1:11434/v1',
            models: [{ name: 'tiny', modelId: `0x${'11'.repeat(32)}` }],
          },
          database: { url: 'postgres://provider:hunter2@db:5432/provider' },
        }),
      )
      const { config, sources } = await resolveProviderConfig({
        flags: { config: file },
        env: { INFERMESH_UPSTREAM_API_KEY: 'sk-live-123' },
      })
      assert.equal(sources['backend.apiKey'], 'INFERMESH_UPSTREAM_API_KEY')
      const printed = JSON.stringify(maskConfig(config))
      for (const secret of [key, 'sk-live-123', 'hunter2']) assert.ok(!printed.includes(secret), secret)
      const masked = maskConfig(config) as {
        keystore: { privateKey: string }
        backend: { apiKey: string }
        database: { url: string }
        offers: { pricePerMInput: string }[]
      }
      assert.equal(masked.keystore.privateKey, '0xabab…********')
      assert.equal(masked.backend.apiKey, '********')
      assert.equal(masked.database.url, 'postgres://provider:********@db:5432/provider')
      assert.equal(masked.offers[0]?.pricePerMInput, '1')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
