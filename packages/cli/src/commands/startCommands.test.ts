import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../testing/runCli.js'

const contracts = {
  token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  registry: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  payments: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  models: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
}
const consensus = { uptime: contracts.token, disputes: contracts.token, emissions: contracts.token }
const devKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
// Port 1: nothing answers (fetch refuses the port outright), so every daemon fails at its first chain call.
const rpcKey = '0123456789abcdef0123456789abcdef'
const rpcUrl = `https://user:pw@127.0.0.1:1/v3/${rpcKey}`
const maskedRpcUrl = 'https://user:********@127.0.0.1:1/v3/********'

/** Each start command with a config that resolves, but whose chain does not answer. */
const daemons: { command: string[]; name: string; file: string; config: unknown }[] = [
  {
    command: ['provider', 'start'],
    name: 'provider',
    file: 'provider.json',
    config: {
      chain: { rpcUrl: 'http://127.0.0.1:8545', contracts },
      keystore: { privateKey: devKey },
      server: { port: 0 },
      backend: {
        kind: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1/v1',
        models: [{ name: 'm', modelId: `0x${'11'.repeat(32)}` }],
      },
      offers: [{ model: 'm', pricePerMInput: '1', pricePerMOutput: '1' }],
      registration: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'local',
        hardware: { cpuCores: 1, ramMb: 1024 },
      },
    },
  },
  {
    command: ['gateway', 'start'],
    name: 'gateway',
    file: 'gateway.json',
    config: {
      chain: { rpcUrl: 'http://127.0.0.1:8545', contracts },
      server: { port: 0 },
      payer: { privateKey: devKey },
    },
  },
  {
    command: ['validator', 'start'],
    name: 'validator',
    file: 'validator.json',
    config: {
      chain: { rpcUrl: 'http://127.0.0.1:8545', contracts: { ...contracts, ...consensus } },
      server: { port: 0 },
      key: { privateKey: devKey },
    },
  },
  {
    command: ['explorer'],
    name: 'explorer',
    file: 'explorer.json',
    config: { chain: { rpcUrl: 'http://127.0.0.1:8545', contracts, startBlock: '0' }, server: { port: 0 } },
  },
]

describe('the start commands', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-start-'))
    for (const daemon of daemons) await writeFile(join(dir, daemon.file), JSON.stringify(daemon.config))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  for (const daemon of daemons)
    it(`${daemon.command.join(' ')} never shows an RPC URL's password or key: not in the config it prints, not in its error`, async () => {
      const result = await runCli(
        [...daemon.command, '--config', join(dir, daemon.file), '--rpc-url', rpcUrl, '--log-level', 'warn'],
        { cwd: dir },
      )
      const output = result.stdout + result.stderr
      assert.equal(result.code, 1, output)
      assert.ok(!output.includes('pw@'), `the password in:\n${output}`)
      assert.ok(!output.includes(rpcKey), `the key in:\n${output}`)
      assert.ok(!output.includes(devKey.slice(10)), `the dev key in:\n${output}`)
      assert.match(
        result.stdout,
        new RegExp(
          `^config \\S+ \\(overridden: chain\\.rpcUrl from --rpc-url\\)\\n\\{\\n {2}"chain": \\{\\n {4}"rpcUrl": "${maskedRpcUrl.replaceAll('*', '\\*')}",`,
        ),
      )
      assert.equal(
        result.stderr.trim().split('\n').at(-1),
        `infermesh ${daemon.command.join(' ')} failed: the ${daemon.name} did not start: No EVM node answered at ${maskedRpcUrl}: is the chain running?: HTTP request failed.: fetch failed: bad port`,
      )
    })
})
