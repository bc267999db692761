import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { meshTokenAbi, paymentsAbi } from '@infermesh/protocol'
import { createPublicClient, http, parseEther } from 'viem'
import type { Devnet } from './up.js'

const bin = new URL('../bin/infermesh.mjs', import.meta.url).pathname

describe('infermesh up', () => {
  const dirs: string[] = []
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('starts a chain with the contracts and a funded payer, writes devnet.json, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infermesh-up-'))
    dirs.push(dir)
    const child = spawn(
      process.execPath,
      [bin, 'up', '--dir', dir, '--chain-port', '0', '--deposit', '250'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stderr.on('data', (data) => {
      output += data
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data) => {
        output += data
        if (output.includes('Press Ctrl-C to stop.')) resolve()
      })
      child.once('exit', () => reject(new Error(`infermesh up exited early:\n${output}`)))
    })

    const devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.equal(devnet.chainId, 31337)
    assert.deepEqual(Object.keys(devnet.contracts).sort(), ['models', 'payments', 'registry', 'token'])
    const client = createPublicClient({ transport: http(devnet.rpcUrl) })
    for (const address of Object.values(devnet.contracts)) {
      assert.ok((await client.getCode({ address }))?.length, `no code at ${address}`)
    }
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

    child.kill('SIGTERM')
    assert.equal(await exited, 0)
    assert.match(output, /SIGTERM: stopping the devnet…\nstopped\./)
    await assert.rejects(client.getChainId(), 'the chain should be stopped')
  })

  it('rejects a bad option with a message and exit code 2', async () => {
    const child = spawn(process.execPath, [bin, 'up', '--chain-port', 'eighty'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (data) => {
      stderr += data
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.equal(code, 2)
    assert.match(stderr, /infermesh: --chain-port must be a port number/)
  })
})
