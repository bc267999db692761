import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { z } from 'zod'
import { ConfigError, type ConfigSpec, resolveConfig } from './resolveConfig.js'

const schema = z.strictObject({
  server: z
    .strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().default(8000) })
    .default({ host: '127.0.0.1', port: 8000 }),
  key: z.union([z.strictObject({ keystore: z.string() }), z.strictObject({ privateKey: z.string() })]),
  backend: z
    .strictObject({
      kind: z.enum(['local', 'upstream']),
      apiKey: z.string().optional(),
      models: z.array(z.strictObject({ name: z.string(), path: z.string().optional() })).default([]),
    })
    .default({ kind: 'local', models: [] }),
  database: z.strictObject({ dir: z.string().optional(), url: z.string().optional() }).default({}),
})

const spec: ConfigSpec<typeof schema> = {
  role: 'widget',
  schema,
  overrides: [
    { path: ['server', 'host'], flag: 'host', env: ['WIDGET_HOST'] },
    { path: ['server', 'port'], flag: 'port', env: ['WIDGET_PORT', 'PORT'], number: true },
    {
      path: ['key', 'keystore'],
      flag: 'keystore',
      env: ['WIDGET_KEYSTORE'],
      file: true,
      replacesSection: true,
    },
    { path: ['database', 'url'], env: ['DATABASE_URL'] },
    {
      path: ['backend', 'apiKey'],
      env: ['WIDGET_API_KEY'],
      when: (settings) => (settings.backend as { kind?: string } | undefined)?.kind === 'upstream',
    },
  ],
  defaultFile: 'widget/widget.json',
  fileEnv: 'WIDGET_CONFIG',
  devnetFile: ['widget', 'widget.json'],
  relativePaths: ['database.dir', 'key.keystore', 'backend.models[].path'],
  missingHint: 'write one, or pass --config FILE',
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

describe('resolveConfig', () => {
  let dir: string
  let file: string
  const write = async (name: string, content: unknown) => {
    const path = join(dir, 'conf', name)
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
    return path
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-resolve-config-'))
    await mkdir(join(dir, 'conf'))
    file = await write('widget.json', {
      server: { port: 9000 },
      key: { privateKey: '0x01' },
      backend: { kind: 'local', models: [{ name: 'a', path: 'models/a.gguf' }, { name: 'b' }] },
      database: { dir: 'data' },
    })
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('takes a flag over the environment, the environment over the file, the file over the default', async () => {
    const { config, sources } = await resolveConfig(spec, {
      flags: { config: file, port: '9100' },
      env: { WIDGET_PORT: '9200', PORT: '9300', WIDGET_HOST: '0.0.0.0' },
    })
    assert.equal(config.server.port, 9100, 'flag over environment')
    assert.equal(config.server.host, '0.0.0.0', 'environment over default')
    assert.deepEqual(sources, { 'server.host': 'WIDGET_HOST', 'server.port': '--port' })
    const fromFile = await resolveConfig(spec, { flags: { config: file }, env: { PORT: '9300' } })
    assert.equal(fromFile.config.server.port, 9300, 'the second variable when the first is unset')
    const defaults = await resolveConfig(spec, { flags: { config: file }, env: {} })
    assert.equal(defaults.config.server.port, 9000, 'the file over the default')
    assert.equal(defaults.config.server.host, '127.0.0.1', 'the default')
  })

  it("resolves the file's relative paths against its directory, in lists too, and flag paths against cwd", async () => {
    const { config } = await resolveConfig(spec, { flags: { config: file }, env: {} })
    assert.equal(config.database.dir, join(dir, 'conf', 'data'))
    assert.deepEqual(config.backend.models, [
      { name: 'a', path: join(dir, 'conf', 'models', 'a.gguf') },
      { name: 'b' },
    ])
    const flagged = await resolveConfig(spec, {
      flags: { config: file, keystore: 'k.json' },
      env: {},
      cwd: dir,
    })
    assert.deepEqual(flagged.config.key, { keystore: join(dir, 'k.json') }, 'the keystore replaced the key')
    assert.equal(flagged.sources['key.keystore'], '--keystore')
  })

  it('applies an override only when its condition holds', async () => {
    const local = await resolveConfig(spec, { flags: { config: file }, env: { WIDGET_API_KEY: 'sk-1' } })
    assert.equal(local.config.backend.apiKey, undefined)
    assert.deepEqual(local.sources, {})
    const upstreamFile = await write('upstream.json', {
      key: { privateKey: '0x01' },
      backend: { kind: 'upstream' },
    })
    const upstream = await resolveConfig(spec, {
      flags: { config: upstreamFile },
      env: { WIDGET_API_KEY: 'sk-1' },
    })
    assert.equal(upstream.config.backend.apiKey, 'sk-1')
    assert.equal(upstream.sources['backend.apiKey'], 'WIDGET_API_KEY')
  })

  it('finds the file through its variable, then the default, then the devnet of $INFERMESH_DIR', async () => {
    const byEnv = await resolveConfig(spec, { flags: {}, env: { WIDGET_CONFIG: file } })
    assert.equal(byEnv.file, file)
    await mkdir(join(dir, 'net', 'devnet', 'widget'), { recursive: true })
    const devnetFile = join(dir, 'net', 'devnet', 'widget', 'widget.json')
    await writeFile(devnetFile, JSON.stringify({ key: { privateKey: '0x02' }, database: { dir: 'data' } }))
    const devnet = await resolveConfig(spec, { flags: {}, env: { INFERMESH_DIR: 'net' }, cwd: dir })
    assert.equal(devnet.file, devnetFile)
    assert.equal(devnet.config.database.dir, join(dir, 'net', 'devnet', 'widget', 'data'))
    await mkdir(join(dir, 'widget'))
    await writeFile(join(dir, 'widget', 'widget.json'), JSON.stringify({ key: { privateKey: '0x03' } }))
    const preferred = await resolveConfig(spec, { flags: {}, env: { INFERMESH_DIR: 'net' }, cwd: dir })
    assert.equal(preferred.file, join(dir, 'widget', 'widget.json'), 'the default file before the devnet')
  })

  it('names the missing file, where its name came from, and what to do', async () => {
    const missing = join(dir, 'nope.json')
    const error = await rejection(resolveConfig(spec, { flags: { config: missing }, env: {} }))
    assert.equal(error.message, `no widget config at ${missing} (--config): write one, or pass --config FILE`)
    assert.equal(error.retryable, false)
    const byEnv = await rejection(resolveConfig(spec, { flags: {}, env: { WIDGET_CONFIG: missing } }))
    assert.equal(
      byEnv.message,
      `no widget config at ${missing} (WIDGET_CONFIG): write one, or pass --config FILE`,
    )
  })

  it('says when the file is not JSON, or not an object', async () => {
    const broken = await write('broken.json', '{ "server": ')
    const error = await rejection(resolveConfig(spec, { flags: { config: broken }, env: {} }))
    assert.match(error.message, new RegExp(`^the widget config ${broken} is not valid JSON: `))
    const list = await write('list.json', '[1, 2]')
    const notObject = await rejection(resolveConfig(spec, { flags: { config: list }, env: {} }))
    assert.equal(notObject.message, `the widget config ${list} must be a JSON object`)
  })

  it('reports every invalid field at once, blaming the flag or variable a bad value came from', async () => {
    const bad = await write('bad.json', { server: { prot: 1 }, key: { privateKey: '0x01' } })
    const error = await rejection(
      resolveConfig(spec, { flags: { config: bad, host: '' }, env: { WIDGET_PORT: 'eighty' } }),
    )
    assert.equal(
      error.message,
      `the widget config ${bad} is invalid:
  server.port (from WIDGET_PORT): Invalid input: expected number, received string
  server.prot: unknown key (did you mean "port"?)`,
    )
  })
})
