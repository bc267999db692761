import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import {
  canonicalJson,
  type DevChain,
  disputesAbi,
  emptyTokensHash,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  registryAbi,
  signReceipt,
  startDevChain,
} from '@infermesh/protocol'
import { type Hex, parseEther, stringToHex } from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { readDisputes } from '../queries/readDisputes.js'
import { readProviders } from '../queries/readProviders.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const modelId = `0x${'ef'.repeat(32)}` as Hex

/** A whole dispute on anvil (opened, committee drawn, three guilty votes, resolved), then indexed. */
describe('the indexer on a dispute', () => {
  let chain: DevChain
  let db: Database

  before(async () => {
    chain = await startDevChain()
    db = await openDatabase()
    await migrateExplorerDatabase(db)
  })
  after(async () => {
    await db?.close()
    await chain?.stop()
  })

  it('shows the timeline, the committee, the votes, the outcome and the slash as the chain has them', async () => {
    const { token, registry, disputes, payments } = chain.deployment.contracts
    const stake = async (index: number, amount: bigint) => {
      const account = chain.account(index)
      await chain.mint(account.address, parseEther('2000'))
      await chain.send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, amount],
      })
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'stake',
        args: [amount],
      })
      return account
    }
    const provider = await stake(2, parseEther('1500'))
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'eu-west',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 4, ramMb: 8192 },
        [{ modelId, pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('2') }],
      ],
    })
    const validators = []
    for (const index of [3, 4, 5, 6]) {
      const validator = await stake(index, parseEther('1000'))
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`http://127.0.0.1:${9100 + index}`],
      })
      validators.push(validator)
    }
    const challenger = validators[0] as (typeof validators)[number]
    const body = { model: 'tiny', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4 }
    const receipt = {
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse('noise'),
      tokensHash: emptyTokensHash,
      modelId,
      payer: chain.account(1).address,
      provider: provider.address,
      inputTokens: 5n,
      outputTokens: 4n,
      servedAt: BigInt(Math.floor(Date.now() / 1000)),
      cost: 13n,
      cumulativeAmount: 13n,
    }
    const signature = await signReceipt({
      account: provider,
      chainId: chain.deployment.chainId,
      payments,
      receipt,
    })
    await chain.send(challenger, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, parseEther('100')],
    })
    await chain.send(challenger, {
      address: disputes,
      abi: disputesAbi,
      functionName: 'openDispute',
      args: [receipt, signature, stringToHex(canonicalJson({ kind: 'chat', body })), stringToHex('noise')],
    })
    await chain.publicClient.request({ method: 'anvil_mine' as never, params: ['0x2'] as never })
    await chain.send(challenger, {
      address: disputes,
      abi: disputesAbi,
      functionName: 'drawCommittee',
      args: [1n],
    })
    const members = await chain.publicClient.readContract({
      address: disputes,
      abi: disputesAbi,
      functionName: 'committeeOf',
      args: [1n],
    })
    assert.ok(members.length > 0, 'a committee was drawn')
    for (const member of members) {
      const account = validators.find((v) => v.address === member)
      assert.ok(account, `member ${member} is one of ours`)
      await chain.send(account, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'vote',
        args: [1n, true],
      })
    }
    await chain.send(challenger, { address: disputes, abi: disputesAbi, functionName: 'resolve', args: [1n] })

    await createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: createEventHandlers(chain.deployment.contracts),
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 1000,
      pollMs: 100,
      log: { info: () => {}, warn: () => {} },
    }).syncOnce()

    const { disputes: list, slashes } = await readDisputes(db)
    const resolved = await chain.publicClient.getContractEvents({
      address: disputes,
      abi: disputesAbi,
      eventName: 'DisputeResolved',
      fromBlock: chain.deployment.startBlock,
    })
    const slashed = resolved[0]?.args.slashed ?? 0n
    assert.ok(slashed > 0n)
    assert.equal(list.length, 1)
    const dispute = list[0] as (typeof list)[number]
    assert.equal(dispute.status, 'resolved')
    assert.equal(dispute.guilty, true)
    assert.equal(dispute.provider, provider.address.toLowerCase())
    assert.equal(dispute.challenger, challenger.address.toLowerCase())
    assert.deepEqual(
      dispute.members,
      members.map((m) => m.toLowerCase()),
    )
    assert.deepEqual(
      dispute.votes.map((v) => [v.member, v.guilty]),
      members.map((m) => [m.toLowerCase(), true]),
    )
    assert.equal(dispute.slashed, slashed.toString())
    assert.deepEqual(
      slashes.map((s) => [s.account, s.amount]),
      [[provider.address.toLowerCase(), slashed.toString()]],
    )
    const [view] = await chain.publicClient.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [0n, 10n],
    })
    const [row] = await readProviders(db, { onlineWithinMs: 1000 })
    assert.equal(row?.stake, view?.stake.toString())
    assert.equal(row?.slashed, slashed.toString())
    assert.equal(row?.locked, '0', 'the stake locked by the dispute was unlocked')
    assert.equal(row?.active, view?.active)
  })
})
