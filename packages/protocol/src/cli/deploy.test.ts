import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { createPublicClient, http } from 'viem'
import { registryAbi } from '../abis/Registry.js'
import { readDeployment } from '../deployment.js'
import { type Anvil, startAnvil } from '../startAnvil.js'

const run = promisify(execFile)
const script = new URL('./deploy.ts', import.meta.url).pathname
// anvil's first dev key (public, devnets only).
const devKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('the deploy command', () => {
  let anvil: Anvil
  let dir: string
  before(async () => {
    anvil = await startAnvil()
    dir = await mkdtemp(join(tmpdir(), 'infermesh-deploy-'))
  })
  after(async () => {
    await anvil?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('deploys to an RPC URL with a key from the environment and writes the addresses to a file', async () => {
    const out = join(dir, 'deployment.json')
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', script, '--rpc-url', anvil.rpcUrl, '--out', out, '--param', 'minStake=5'],
      { env: { ...process.env, INFERMESH_DEPLOYER_KEY: devKey } },
    )
    assert.match(stdout, /Deployed to chain 31337/)
    const deployment = await readDeployment(out)
    assert.equal(deployment.params.minStake, 5n)
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    const minStake = await client.readContract({
      address: deployment.contracts.registry,
      abi: registryAbi,
      functionName: 'minStake',
    })
    assert.equal(minStake, 5n)
  })

  it('refuses to run without a key and says which variable to set', async () => {
    const env = { ...process.env }
    delete env.INFERMESH_DEPLOYER_KEY
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', script, '--rpc-url', anvil.rpcUrl], { env }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 2)
        assert.match(
          error.stderr,
          /Set INFERMESH_DEPLOYER_KEY to the deployer’s 0x-prefixed 32-byte private key\./,
        )
        return true
      },
    )
  })

  it('says which chain did not answer when the RPC URL is wrong', async () => {
    await assert.rejects(
      run(
        process.execPath,
        ['--import', 'tsx', script, '--rpc-url', 'http://127.0.0.1:1', '--out', join(dir, 'x.json')],
        {
          env: { ...process.env, INFERMESH_DEPLOYER_KEY: devKey },
        },
      ),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1)
        assert.match(
          error.stderr,
          /Deployment failed: No EVM node answered at http:\/\/127\.0\.0\.1:1: is the chain running\?/,
        )
        return true
      },
    )
  })

  it('refuses an unbonding period shorter than a provider stays disputable, before deploying', async () => {
    await assert.rejects(
      run(
        process.execPath,
        ['--import', 'tsx', script, '--rpc-url', anvil.rpcUrl, '--param', 'unbondingPeriod=86400'],
        { env: { ...process.env, INFERMESH_DEPLOYER_KEY: devKey } },
      ),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1)
        assert.equal(
          error.stderr,
          'Deployment failed: unbondingPeriod 86400 s is shorter than the 432000 s a provider stays disputable (disputeWindow 259200 + maxRounds 2 × (commitPeriod 43200 + revealPeriod 43200)): raise unbondingPeriod or shorten the dispute window.\n',
        )
        return true
      },
    )
  })

  it('rejects an unknown parameter', async () => {
    await assert.rejects(
      run(
        process.execPath,
        ['--import', 'tsx', script, '--rpc-url', anvil.rpcUrl, '--param', 'quorumBps=1'],
        {
          env: { ...process.env, INFERMESH_DEPLOYER_KEY: devKey },
        },
      ),
      /Unknown parameter: quorumBps=1/,
    )
  })
})
