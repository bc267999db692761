import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import { createPublicClient, http, parseEther } from 'viem'
import { runCli } from './testing/runCli.js'
import { spawnCli } from './testing/spawnCli.js'
import type { Devnet } from './up.js'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('infermesh up', () => {
  const dirs: string[] = []
  /** A devnet a failed assertion left running: stopped here, or the test process waits on it for good. */
  const running: { stop: (signal?: NodeJS.Signals) => Promise<number | null> }[] = []
  after(async () => {
    for (const up of running) await up.stop('SIGKILL')
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('with --providers 0 starts the chain, the contracts, a funded payer and the gateway, writes devnet.json, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infermesh-up-'))
    dirs.push(dir)
    const up = spawnCli([
      'up',
      '--dir',
      dir,
      '--chain-port',
      '0',
      '--port',
      '0',
      '--providers',
      '0',
      '--validators',
      '0',
      '--deposit',
      '250',
    ])
    running.push(up)
    await up.waitFor(/Press Ctrl-C to stop\./, 120_000)
    assert.match(up.output(), /^\[ +\d+\.\ds\] chain {7}starting anvil on port \d+…$/m)
    assert.match(up.output(), /^InferMesh devnet is up after \d+\.\d s \(/m)

    const devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.equal((await stat(join(dir, 'devnet.json'))).mode & 0o777, 0o600, 'it holds dev keys: owner only')
    assert.equal(devnet.chainId, 31337)
    assert.deepEqual(Object.keys(devnet.contracts).sort(), [
      'disputes',
      'emissions',
      'jobCoordinator',
      'modelSharesFactory',
      'models',
      'payments',
      'questionOracle',
      'registry',
      'token',
      'uptime',
      'verificationFees',
    ])
    assert.deepEqual(devnet.providers, [])
    assert.deepEqual(devnet.validators, [])
    assert.ok(devnet.gateway)
    const ready = await fetch(`${devnet.gateway.url}/ready`)
    assert.equal(ready.status, 200)
    const models = await fetch(`${devnet.gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${devnet.gateway.apiKey}` },
    })
    assert.deepEqual(await models.json(), { object: 'list', data: [] })
    const client = createPublicClient({ transport: http(devnet.rpcUrl) })
    for (const address of Object.values(devnet.contracts))
      assert.ok((await client.getCode({ address }))?.length, `no code at ${address}`)
    const deposit = await client.readContract({
      address: devnet.contracts.payments,
      abi: paymentsAbi,
      functionName: 'balanceOf',
      args: [devnet.payer.address],
    })
    assert.equal(deposit, parseEther('250'))
    const providerBalance = await client.readContract({
      address: devnet.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [devnet.accounts[0]?.address ?? '0x'],
    })
    assert.equal(providerBalance, parseEther('100000'))

    assert.equal(await up.stop('SIGTERM'), 0)
    assert.match(up.output(), /SIGTERM: stopping the devnet…\n.*gateway +stopping[\s\S]*\nstopped\.\n$/)
    assert.equal(alive(devnet.gateway.pid), false, 'the gateway process is gone')
    await assert.rejects(client.getChainId(), 'the chain should be stopped')
  })

  it('rejects bad options with a message and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['--chain-port', 'eighty'], '--chain-port must be a port number (0 for any free port)'],
      [['--port', '70000'], '--port must be a port number (0 for any free port)'],
      [['--providers', '9'], '--providers must be a whole number from 0 to 8'],
      [['--model', 'weights.bin'], '--model must be a GGUF file (llama.cpp\'s format), got "weights.bin"'],
      [['--threads', '0'], '--threads must be a whole number from 1 to 256'],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(['up', ...args])))
    results.forEach((result, i) => {
      assert.equal(result.code, 2, result.stderr)
      assert.equal(result.stderr, `infermesh: ${cases[i]?.[1]}\nRun "infermesh up --help" for usage.\n`)
    })
  })
})
