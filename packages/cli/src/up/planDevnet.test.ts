import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseEther } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { CliError } from '../CliError.js'
import { type DevnetPlanOptions, planDevnet, portsNeeded } from './planDevnet.js'

const base: DevnetPlanOptions = {
  dir: '/tmp/net',
  providers: 3,
  validators: 3,
  chainPort: 8545,
  gatewayPort: 8000,
  explorerPort: 8080,
  freePorts: [41001, 41002, 41003, 41004, 41005, 41006],
  epochSeconds: 30,
  deposit: parseEther('10000'),
  samplingProbability: 0.1,
  probeTokens: 4,
}

// anvil's first accounts from its public mnemonic: the deployer, the payer, the first provider.
const anvil0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const anvil1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const anvil2 = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

function rejectsWith(options: DevnetPlanOptions, message: string, exitCode: number) {
  assert.throws(
    () => planDevnet(options),
    (error) => {
      assert.ok(error instanceof CliError)
      assert.equal(error.message, message)
      assert.equal(error.exitCode, exitCode)
      return true
    },
  )
}

describe('planDevnet', () => {
  it("gives the deployer, the payer, each provider and each validator its own account from anvil's mnemonic", () => {
    const plan = planDevnet(base)
    assert.equal(plan.deployer.address, anvil0)
    assert.equal(plan.payer.address, anvil1)
    assert.equal(plan.providers[0]?.account.address, anvil2)
    assert.equal(plan.accounts.length, 8, 'every provider account is listed, started or not')
    assert.deepEqual(
      plan.providers.map((p) => p.account),
      plan.accounts.slice(0, 3),
    )
    const all = [plan.deployer, plan.payer, ...plan.accounts, ...plan.validators.map((v) => v.account)]
    assert.equal(new Set(all.map((a) => a.address)).size, 2 + 8 + 3, 'no account is used twice')
    for (const account of all) assert.equal(privateKeyToAddress(account.privateKey), account.address)
    const most = planDevnet({
      ...base,
      providers: 8,
      validators: 8,
      freePorts: Array.from({ length: 16 }, (_, i) => 43000 + i),
    })
    const every = [most.deployer, most.payer, ...most.accounts, ...most.validators.map((v) => v.account)]
    assert.equal(new Set(every.map((a) => a.address)).size, 2 + 8 + 8, 'eight validators, eight accounts')
  })

  it('prices provider N at N MESH per million input tokens and 2N per million output tokens, regions in turn', () => {
    const plan = planDevnet({
      ...base,
      providers: 8,
      freePorts: Array.from({ length: 11 }, (_, i) => 42000 + i),
    })
    assert.deepEqual(
      plan.providers.map((p) => [p.name, p.prices.input, p.prices.output, p.region]),
      [
        ['provider 1', parseEther('1'), parseEther('2'), 'eu-west'],
        ['provider 2', parseEther('2'), parseEther('4'), 'us-east'],
        ['provider 3', parseEther('3'), parseEther('6'), 'ap-southeast'],
        ['provider 4', parseEther('4'), parseEther('8'), 'us-west'],
        ['provider 5', parseEther('5'), parseEther('10'), 'eu-north'],
        ['provider 6', parseEther('6'), parseEther('12'), 'sa-east'],
        ['provider 7', parseEther('7'), parseEther('14'), 'ap-northeast'],
        ['provider 8', parseEther('8'), parseEther('16'), 'af-south'],
      ],
    )
  })

  it('keeps the ports given and hands out the free ones in order, each once', () => {
    const plan = planDevnet(base)
    assert.equal(plan.chain.rpcUrl, 'http://127.0.0.1:8545')
    assert.equal(plan.gateway.url, 'http://127.0.0.1:8000')
    assert.equal(plan.explorer.url, 'http://127.0.0.1:8080')
    assert.deepEqual(
      plan.providers.map((p) => p.url),
      ['http://127.0.0.1:41001', 'http://127.0.0.1:41002', 'http://127.0.0.1:41003'],
    )
    assert.deepEqual(
      plan.validators.map((v) => v.port),
      [41004, 41005, 41006],
    )
    const any = { ...base, chainPort: 0, gatewayPort: 0, explorerPort: 0 }
    assert.equal(portsNeeded(any), 9)
    const anyPlan = planDevnet({ ...any, freePorts: Array.from({ length: 9 }, (_, i) => 43000 + i) })
    assert.deepEqual(
      [anyPlan.chain.port, anyPlan.gateway.port, anyPlan.explorer.port],
      [43000, 43001, 43008],
      'chain and gateway first, the explorer last',
    )
    const ports = [
      anyPlan.chain,
      anyPlan.gateway,
      anyPlan.explorer,
      ...anyPlan.providers,
      ...anyPlan.validators,
    ]
    assert.equal(new Set(ports.map((p) => p.port)).size, 9)
  })

  it('puts each process in its own directory under <dir>/devnet, its log in devnet/logs', () => {
    const plan = planDevnet({ ...base, dir: 'relative/net' })
    const root = join(process.cwd(), 'relative', 'net', 'devnet')
    assert.equal(plan.root, root)
    assert.equal(plan.devnetFile, join(process.cwd(), 'relative', 'net', 'devnet.json'))
    assert.equal(plan.cacheDir, join(process.cwd(), 'relative', 'net', 'cache'))
    assert.deepEqual(plan.providers[2], {
      ...plan.providers[2],
      dir: join(root, 'providers', 'provider-3'),
      configFile: join(root, 'providers', 'provider-3', 'provider.json'),
      dataDir: 'data',
      logFile: join(root, 'logs', 'provider-3.log'),
    })
    assert.equal(plan.validators[0]?.configFile, join(root, 'validators', 'validator-1', 'validator.json'))
    assert.equal(plan.gateway.configFile, join(root, 'gateway', 'gateway.json'))
    assert.equal(plan.explorer.configFile, join(root, 'explorer', 'explorer.json'))
    assert.equal(plan.chain.logFile, join(root, 'logs', 'chain.log'))
  })

  it('serves the tiny model on one thread unless a model file is given', () => {
    const tiny = planDevnet(base)
    assert.deepEqual(tiny.model, { path: join('/tmp/net/devnet/models/tiny.gguf'), name: 'tiny', tiny: true })
    assert.equal(tiny.threads, 1)
    const given = planDevnet({ ...base, model: '/models/Qwen2.5-0.5B.Q4.GGUF' })
    assert.deepEqual(given.model, {
      path: '/models/Qwen2.5-0.5B.Q4.GGUF',
      name: 'Qwen2.5-0.5B.Q4',
      tiny: false,
    })
    assert.equal(given.threads, undefined, "llama.cpp's choice")
    assert.equal(planDevnet({ ...base, model: '/m.gguf', threads: 4 }).threads, 4)
  })

  it('probes six times an epoch but not more often than every 2 s, and lets the first validator claim for all', () => {
    assert.deepEqual(
      planDevnet(base).validators.map((v) => [v.name, v.probeIntervalMs, v.claimForOthers]),
      [
        ['validator 1', 5_000, true],
        ['validator 2', 5_000, false],
        ['validator 3', 5_000, false],
      ],
    )
    assert.equal(planDevnet({ ...base, epochSeconds: 6 }).validators[0]?.probeIntervalMs, 2_000)
  })

  it('marks the cheating providers', () => {
    const plan = planDevnet({ ...base, cheats: { 1: 'truncate' } })
    assert.deepEqual(
      plan.providers.map((p) => p.cheat),
      [undefined, 'truncate', undefined],
    )
  })

  it('plans an empty network: no providers, no validators', () => {
    const plan = planDevnet({ ...base, providers: 0, validators: 0, freePorts: [] })
    assert.deepEqual([plan.providers, plan.validators], [[], []])
    assert.equal(plan.accounts.length, 8)
  })

  it('refuses counts out of range, the same port twice, and too few free ports', () => {
    rejectsWith({ ...base, providers: 9 }, '--providers must be a whole number from 0 to 8', 2)
    rejectsWith({ ...base, validators: 9 }, '--validators must be a whole number from 0 to 8', 2)
    rejectsWith(
      { ...base, gatewayPort: 8545 },
      'the chain, the gateway and the explorer need different ports, got 8545, 8545, 8080',
      2,
    )
    rejectsWith({ ...base, freePorts: [41001, 41002] }, 'the devnet needs 6 free ports, got 2', 1)
    rejectsWith(
      { ...base, freePorts: [41001, 41001, 41003, 41004, 41005, 41006] },
      'free ports repeat: 41001, 41001, 41003, 41004, 41005, 41006',
      1,
    )
    rejectsWith(
      { ...base, freePorts: [41001, 8000, 41003, 41004, 41005, 41006] },
      'port 8000 is given explicitly and also as a free port',
      1,
    )
  })
})
