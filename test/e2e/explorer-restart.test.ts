import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CliProcess, spawnCli } from '@infermesh/cli/testing'
import { type DevChain, meshTokenAbi, startDevChain } from '@infermesh/protocol'
import { parseEther } from 'viem'

/**
 * The explorer's process killed with SIGKILL in the middle of indexing (one block per batch, thousands
 * of blocks), then started again on the same PGlite directory: it must end with exactly the chain's
 * figures, no event missed or counted twice.
 */
describe('the explorer killed while indexing', () => {
  let chain: DevChain
  let dir: string
  let explorer: CliProcess | undefined

  before(async () => {
    chain = await startDevChain()
    dir = await mkdtemp(join(tmpdir(), 'infermesh-explorer-restart-'))
    // Mints spread over about 2,000 blocks.
    for (let i = 0; i < 20; i++) {
      await chain.mint(chain.account(3 + (i % 5)).address, parseEther(String(i + 1)))
      await chain.publicClient.request({ method: 'anvil_mine' as never, params: ['0x64'] as never })
    }
  })
  after(async () => {
    await explorer?.stop('SIGKILL')
    await chain?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it("resumes after SIGKILL and shows exactly the chain's minted supply and events", async () => {
    const file = join(dir, 'explorer.json')
    await writeFile(
      file,
      JSON.stringify({
        chain: {
          rpcUrl: chain.anvil.rpcUrl,
          contracts: chain.deployment.contracts,
          startBlock: chain.deployment.startBlock.toString(),
        },
        server: { port: 0 },
        database: { dir: 'data' },
        indexer: { confirmations: 0, pollMs: 100, batchBlocks: 1 },
      }),
    )
    explorer = spawnCli(['explorer', '--config', file, '--log-level', 'warn'])
    await explorer.waitFor(/^indexing from block \d+…$/m, 60_000)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    assert.doesNotMatch(explorer.output(), /Press Ctrl-C/, 'still indexing when killed')
    await explorer.stop('SIGKILL')

    explorer = spawnCli(['explorer', '--config', file, '--log-level', 'warn'])
    const [, resumed] = (await explorer.waitFor(
      /^resuming the index after block (\d+)…$/m,
      60_000,
    )) as RegExpMatchArray
    const [, url] = (await explorer.waitFor(/^explorer (http:\/\/\S+) /m, 180_000)) as RegExpMatchArray
    const overview = (await (await fetch(`${url}/api/overview`)).json()) as {
      supply: { minted: string; series: unknown[] }
      status: { indexedBlock: string }
    }
    const minted = await chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'totalMinted',
    })
    assert.equal(overview.supply.minted, minted.toString())
    assert.equal(BigInt(overview.status.indexedBlock), await chain.publicClient.getBlockNumber())
    assert.ok(
      BigInt(resumed as string) > chain.deployment.startBlock &&
        BigInt(resumed as string) < BigInt(overview.status.indexedBlock),
      `resumed after block ${resumed}, in the middle`,
    )
    assert.equal(await explorer.stop('SIGTERM'), 0)
  })
})
