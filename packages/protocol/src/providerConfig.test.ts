import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ProviderConfigInput, providerConfigSchema } from './providerConfig.js'

const contracts = {
  token: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  payments: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  models: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
}

/** A minimal file: a local llama model, one offer, defaults for the rest. */
const minimal = {
  chain: { rpcUrl: 'http://127.0.0.1:8545', contracts },
  keystore: { path: '/etc/infermesh/provider.key.json' },
  backend: { kind: 'llama', models: [{ name: 'tiny-llama', path: './models/tiny.gguf' }] },
  offers: [
    { model: 'tiny-llama', pricePerMInput: '100000000000000000', pricePerMOutput: '200000000000000000' },
  ],
  registration: {
    endpoint: 'https://gpu1.example.com',
    region: 'eu-west',
    hardware: { cpuCores: 8, ramMb: 32768 },
  },
} satisfies ProviderConfigInput

/** The `path: message` list of what is wrong with `input`. */
function problems(input: unknown): string[] {
  const result = providerConfigSchema.safeParse(input)
  assert.equal(result.success, false, 'the config was accepted')
  return result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []
}

describe('providerConfigSchema', () => {
  it('fills every default of a minimal llama config and checksums the contract addresses', () => {
    assert.deepEqual(providerConfigSchema.parse(minimal), {
      chain: {
        rpcUrl: 'http://127.0.0.1:8545',
        contracts: { ...contracts, token: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
      },
      keystore: { path: '/etc/infermesh/provider.key.json' },
      server: {
        host: '127.0.0.1',
        port: 8080,
        maxBodyBytes: 1_048_576,
        maxQueue: 64,
        requestTimeoutMs: 300_000,
      },
      backend: {
        kind: 'llama',
        models: [{ name: 'tiny-llama', path: './models/tiny.gguf', embeddings: false }],
        sequences: 4,
        gpu: false,
      },
      offers: [{ model: 'tiny-llama', pricePerMInput: 10n ** 17n, pricePerMOutput: 2n * 10n ** 17n }],
      payments: {
        creditLimit: 10n ** 18n,
        depositRefreshMs: 10_000,
        settleIntervalMs: 60_000,
        settleBatchSize: 50,
        minRedeemAmount: 0n,
      },
      database: {},
      jobs: {
        deliveryAttempts: 5,
        enabled: true,
        enroll: false,
        lookBackBlocks: 20000,
        maxTokens: 1024,
        pollMs: 1000,
        settle: true,
        triggerSubscriptions: true,
      },
      registration: {
        endpoint: 'https://gpu1.example.com',
        region: 'eu-west',
        hardware: { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 8, ramMb: 32768 },
      },
    })
  })

  it('takes an OpenAI-compatible upstream with a dev private key and a PostgreSQL database', () => {
    const config = providerConfigSchema.parse({
      ...minimal,
      keystore: { privateKey: `0x${'59'.repeat(32)}` },
      backend: {
        kind: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        models: [{ name: 'tiny-llama', modelId: `0x${'AB'.repeat(32)}` }],
      },
      database: { url: 'postgres://infermesh@db:5432/provider' },
    })
    assert.deepEqual(config.backend, {
      kind: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
      models: [
        { name: 'tiny-llama', modelId: `0x${'ab'.repeat(32)}`, contextLength: 4096, embeddings: false },
      ],
    })
    assert.deepEqual(config.keystore, { privateKey: `0x${'59'.repeat(32)}` })
    assert.equal(config.database.url, 'postgres://infermesh@db:5432/provider')
  })

  it('reads amounts of MESH wei exactly from decimal strings and refuses JSON numbers', () => {
    const config = providerConfigSchema.parse({
      ...minimal,
      offers: [{ model: 'tiny-llama', pricePerMInput: '1500000000000000001', pricePerMOutput: '0' }],
      payments: { creditLimit: '25000000000000000000' },
    })
    assert.equal(config.offers[0]?.pricePerMInput, 1_500_000_000_000_000_001n)
    assert.equal(config.payments.creditLimit, 25n * 10n ** 18n)
    assert.deepEqual(problems({ ...minimal, payments: { creditLimit: 1e18 } }), [
      'payments.creditLimit: must be a decimal string of MESH wei, e.g. "1000000000000000000" for 1 MESH',
    ])
    assert.deepEqual(
      problems({
        ...minimal,
        offers: [{ model: 'tiny-llama', pricePerMInput: '1', pricePerMOutput: `${2n ** 128n}` }],
      }),
      ['offers.0.pricePerMOutput: must be at most 2^128 - 1'],
    )
  })

  it('refuses an offer for a model the backend does not serve, and duplicate names', () => {
    assert.deepEqual(
      problems({
        ...minimal,
        backend: {
          kind: 'llama',
          models: [
            { name: 'tiny-llama', path: 'a.gguf' },
            { name: 'tiny-llama', path: 'b.gguf' },
          ],
        },
        offers: [
          { model: 'tiny-llama', pricePerMInput: '1', pricePerMOutput: '1' },
          { model: 'llama-70b', pricePerMInput: '1', pricePerMOutput: '1' },
          { model: 'tiny-llama', pricePerMInput: '2', pricePerMOutput: '2' },
        ],
      }),
      [
        'backend.models.1.name: "tiny-llama" names two models',
        'offers.1.model: "llama-70b" is not a backend model (tiny-llama)',
        'offers.2.model: "tiny-llama" has two offers',
      ],
    )
  })

  it('refuses a keystore with both or neither of path and privateKey', () => {
    const message =
      'keystore: must be { "path": "<keystore file>" } or, for development only, { "privateKey": "0x…" }'
    assert.deepEqual(
      problems({ ...minimal, keystore: { path: 'k.json', privateKey: `0x${'59'.repeat(32)}` } }),
      [message],
    )
    assert.deepEqual(problems({ ...minimal, keystore: {} }), [message])
  })

  it('names misspelled keys, unknown backends and bad URLs', () => {
    assert.deepEqual(problems({ ...minimal, server: { prot: 9000 } }), ['server: Unrecognized key: "prot"'])
    assert.deepEqual(problems({ ...minimal, backend: { kind: 'vllm', models: [] } }), [
      'backend.kind: must be "llama" or "openai-compatible"',
    ])
    assert.deepEqual(
      problems({ ...minimal, registration: { ...minimal.registration, endpoint: 'gpu1.example.com' } }),
      ['registration.endpoint: must be an http:// or https:// URL'],
    )
    assert.deepEqual(problems({ ...minimal, database: { url: 'mysql://db/provider' } }), [
      'database.url: must be a postgres:// or postgresql:// URL',
    ])
  })

  it('keeps hardware within the uint16 and uint32 fields the Registry stores', () => {
    assert.deepEqual(
      problems({
        ...minimal,
        registration: { ...minimal.registration, hardware: { cpuCores: 70_000, ramMb: 1 } },
      }),
      ['registration.hardware.cpuCores: Too big: expected number to be <=65535'],
    )
  })
})
