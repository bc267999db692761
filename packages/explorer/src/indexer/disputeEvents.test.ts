import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '@infermesh/node/database'
import {
  canonicalJson,
  type DevChain,
  disputesAbi,
  emptyTokensHash,
  hashReceipt,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  type Receipt,
  registryAbi,
  signReceipt,
  signSample,
  startDevChain,
} from '@infermesh/protocol'
import {
  type Address,
  createTestClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  parseEther,
  stringToHex,
} from 'viem'
import { migrateExplorerDatabase } from '../db/migrateExplorerDatabase.js'
import { readDisputes } from '../queries/readDisputes.js'
import { readProviders } from '../queries/readProviders.js'
import { readValidators } from '../queries/readValidators.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const modelId = `0x${'ef'.repeat(32)}` as Hex
const otherModel = `0x${'e0'.repeat(32)}` as Hex
/** Short rounds, so a test moves anvil's clock past them. */
const disputeParams = {
  disputeWindow: 3600n,
  commitPeriod: 600n,
  revealPeriod: 600n,
  maxRounds: 2n,
  unbondingPeriod: 3600n + 2n * 1200n,
}

/**
 * Two whole disputes on anvil with the real contracts, indexed midway and at the end: one escalates
 * (a guilty vote, two absent members) and is found guilty by a second round; the other is opened by
 * someone the payer's sample did not name, claimed by the validator it named, its draw re-armed when
 * the draw block's hash went out of reach, and ends void (nobody reveals in either round).
 */
describe('the indexer on disputes with rounds, commit–reveal votes and every outcome', () => {
  let chain: DevChain
  let db: Database
  let provider: LocalAccount
  let payer: LocalAccount
  /** validators[0] is the challenger the payer's samples name. */
  let validators: LocalAccount[]
  let outsider: LocalAccount

  const test = () => createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
  const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp
  const passTo = async (timestamp: bigint) => {
    const current = await now()
    if (current < timestamp) await test().increaseTime({ seconds: Number(timestamp - current) })
    await test().mine({ blocks: 1 })
  }
  const disputes = () => chain.deployment.contracts.disputes
  const read = <T>(functionName: string, args: unknown[]) =>
    chain.publicClient.readContract({
      address: disputes(),
      abi: disputesAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const send = (account: LocalAccount, functionName: string, args: unknown[]) =>
    chain.send(account, { address: disputes(), abi: disputesAbi, functionName, args })
  const member = (address: Address) => {
    const account = validators.find((v) => v.address === address)
    assert.ok(account, `${address} is one of the test's validators`)
    return account
  }
  const salt = (account: LocalAccount, id: bigint) => keccak256(stringToHex(`${account.address}:${id}`))
  const commitment = (id: bigint, round: number, account: LocalAccount, guilty: boolean) =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'uint256' }, { type: 'uint8' }, { type: 'address' }, { type: 'bool' }, { type: 'bytes32' }],
        [id, round, account.address, guilty, salt(account, id)],
      ),
    )
  const index = () =>
    createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: createEventHandlers(chain.deployment.contracts),
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 1000,
      pollMs: 100,
      log: { info: () => {}, warn: () => {} },
    }).syncOnce()
  const committee = (id: bigint) => read<readonly Address[]>('committeeOf', [id])
  const dispute = (id: bigint) => read<{ commitEnds: bigint; revealEnds: bigint }>('getDispute', [id])
  /** Mines past the draw block, draws, and returns the new round's members. */
  async function draw(id: bigint): Promise<LocalAccount[]> {
    await test().mine({ blocks: 2 })
    const before = await committee(id)
    await send(payer, 'drawCommittee', [id])
    return (await committee(id)).slice(before.length).map(member)
  }

  /** A receipt for `text`; `sampled` opens it as the challenger the payer named, else as the outsider. */
  async function open(text: string, sampled: boolean) {
    const { payments } = chain.deployment.contracts
    const chainId = chain.deployment.chainId
    const body = { model: 'tiny', messages: [{ role: 'user', content: text }], max_tokens: 4 }
    const receipt: Receipt = {
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse('noise'),
      tokensHash: emptyTokensHash,
      modelId,
      payer: payer.address,
      provider: provider.address,
      inputTokens: 5n,
      outputTokens: 4n,
      servedAt: await now(),
      cost: 13n,
      cumulativeAmount: 13n,
    }
    const signature = await signReceipt({ account: provider, chainId, payments, receipt })
    const issuedAt = await now()
    const sampleSignature = await signSample({
      account: payer,
      chainId,
      disputes: disputes(),
      receiptDigest: hashReceipt(chainId, payments, receipt),
      validator: (validators[0] as LocalAccount).address,
      issuedAt: Number(issuedAt),
    })
    const request = stringToHex(canonicalJson({ kind: 'chat', body }))
    await send(sampled ? (validators[0] as LocalAccount) : outsider, 'openDispute', [
      receipt,
      signature,
      request,
      stringToHex('noise'),
      sampled ? issuedAt : 0n,
      sampled ? sampleSignature : '0x',
    ])
    return { id: await read<bigint>('disputeCount', []), issuedAt, sampleSignature }
  }

  before(async () => {
    chain = await startDevChain({ params: disputeParams })
    db = await openDatabase()
    await migrateExplorerDatabase(db)
    const { token, registry } = chain.deployment.contracts
    payer = chain.account(1)
    outsider = chain.account(9)
    const stake = async (account: LocalAccount, amount: bigint) => {
      await chain.fund(account.address, parseEther('3000'))
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
    }
    provider = chain.account(2)
    await stake(provider, parseEther('1500'))
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
    // Six validators of the model: the challenger, three for round 1, two more for round 2. Accounts
    // beyond anvil's ten get ETH for gas.
    validators = []
    for (const index of [3, 4, 5, 6, 7, 10]) {
      const validator = chain.account(index)
      await test().setBalance({ address: validator.address, value: parseEther('10') })
      await stake(validator, parseEther('1000'))
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`http://127.0.0.1:${9100 + index}`],
      })
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'setValidatorModels',
        args: [[otherModel, modelId]],
      })
      validators.push(validator)
    }
    // The last one changes its mind: only the dispute's model.
    await chain.send(validators[5] as LocalAccount, {
      address: registry,
      abi: registryAbi,
      functionName: 'setValidatorModels',
      args: [[modelId]],
    })
    for (const account of [validators[0] as LocalAccount, outsider]) {
      await chain.fund(account.address, parseEther('1000'))
      await chain.send(account, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [disputes(), parseEther('1000')],
      })
    }
  })
  after(async () => {
    await db?.close()
    await chain?.stop()
  })

  it('shows the models each validator declared, and a dispute escalated for want of a majority then found guilty by its second round', async () => {
    const { registry } = chain.deployment.contracts
    const { id } = await open('first', true)
    const round1 = await draw(id)
    assert.equal(round1.length, 3)
    const [voter, ...absent] = round1 as [LocalAccount, ...LocalAccount[]]
    await send(voter, 'commitVote', [id, commitment(id, 1, voter, true)])
    await passTo(BigInt((await dispute(id)).commitEnds))
    await send(voter, 'revealVote', [id, true, salt(voter, id)])
    await passTo(BigInt((await dispute(id)).revealEnds))
    await send(payer, 'resolve', [id]) // one guilty vote of three: round 2

    await index()
    let [row] = (await readDisputes(db)).disputes
    assert.equal(row?.status, 'escalated')
    assert.equal(row?.assigned, true)
    assert.equal(row?.rounds.length, 1)
    assert.ok(row?.rounds[0]?.escalatedAt, 'round 1 escalated')
    const voted = row?.rounds[0]?.votes.find((v) => v.member === voter.address.toLowerCase())
    assert.deepEqual(
      [voted?.guilty, voted?.committedAt !== null, voted?.revealedAt !== null, voted?.penalty],
      [true, true, true, null],
    )
    const frozen = (await readProviders(db, { onlineWithinMs: 1000 }))[0]?.frozen
    assert.equal(frozen, 1, 'an open dispute freezes the provider')
    const listed = await readValidators(db)
    const models = new Map(listed.map((v) => [v.address, v.models]))
    assert.deepEqual(
      models.get((validators[0] as LocalAccount).address.toLowerCase()),
      [otherModel, modelId].sort(),
    )
    assert.deepEqual(models.get((validators[5] as LocalAccount).address.toLowerCase()), [modelId])

    const round2 = await draw(id)
    assert.equal(round2.length, 2, 'the two absentees’ seats')
    for (const account of round2) await send(account, 'commitVote', [id, commitment(id, 2, account, true)])
    await passTo(BigInt((await dispute(id)).commitEnds))
    for (const account of round2) await send(account, 'revealVote', [id, true, salt(account, id)])
    await send(payer, 'resolve', [id])

    await index()
    ;[row] = (await readDisputes(db)).disputes
    const [resolved] = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'DisputeResolved',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.ok(resolved?.args.slashed && resolved.args.slashed > 0n)
    assert.equal(row?.status, 'resolved')
    assert.equal(row?.outcome, 'guilty')
    assert.equal(row?.guilty, true)
    assert.equal(row?.slashed, resolved.args.slashed?.toString())
    assert.equal(row?.challenger_reward, resolved.args.challengerReward?.toString())
    assert.equal(row?.absentees, resolved.args.absentees?.toString())
    assert.deepEqual(
      row?.rounds.map((r) => [r.round, r.members]),
      [
        [1, round1.map((a) => a.address.toLowerCase())],
        [2, round2.map((a) => a.address.toLowerCase())],
      ],
    )
    assert.deepEqual(
      row?.members,
      (await committee(id)).map((m) => m.toLowerCase()),
    )
    assert.deepEqual(
      row?.rounds[1]?.votes.map((v) => [v.member, v.guilty]).sort(),
      round2.map((a) => [a.address.toLowerCase(), true]).sort(),
    )
    // The absentees of round 1 never committed, and lost what the chain says (burned).
    const penalties = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'AbsenteePenalized',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.deepEqual(
      absent
        .map((account) => row?.rounds[0]?.votes.find((v) => v.member === account.address.toLowerCase()))
        .map((v) => [v?.member, v?.committedAt, v?.revealedAt, v?.penalty])
        .sort(),
      penalties.map((e) => [e.args.member?.toLowerCase(), null, null, e.args.penalty?.toString()]).sort(),
    )
    assert.equal(penalties.length, 2)
    const [view] = await chain.publicClient.readContract({
      address: registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [0n, 10n],
    })
    const [provided] = await readProviders(db, { onlineWithinMs: 1000 })
    assert.equal(provided?.stake, view?.stake.toString())
    assert.equal(provided?.frozen, 0, 'resolved: unfrozen')
  })

  it('shows a challenge claimed by the validator the sample named, a re-armed draw, and a void outcome', async () => {
    const { id, issuedAt, sampleSignature } = await open('second', false)
    await send(validators[0] as LocalAccount, 'claimChallenge', [id, issuedAt, sampleSignature])
    // The draw block's hash goes out of reach (256 blocks): the draw is re-armed, not seeded by the caller.
    await test().mine({ blocks: 300 })
    await send(payer, 'drawCommittee', [id])
    const round1 = await draw(id)
    assert.equal(round1.length, 3)
    await passTo(BigInt((await dispute(id)).revealEnds))
    await send(payer, 'resolve', [id])
    const round2 = await draw(id)
    await passTo(BigInt((await dispute(id)).revealEnds))
    await send(payer, 'resolve', [id])

    await index()
    const row = (await readDisputes(db)).disputes.find((d) => d.id === id.toString())
    assert.equal(row?.challenger, (validators[0] as LocalAccount).address.toLowerCase())
    assert.equal(row?.assigned, true)
    assert.equal(row?.status, 'resolved')
    assert.equal(row?.outcome, 'void')
    assert.equal(row?.guilty, false)
    assert.equal(row?.slashed, '0')
    assert.deepEqual(
      row?.rounds.map((r) => [r.round, r.members.length, r.escalatedAt !== null]),
      [
        [1, 3, true],
        [2, round2.length, false],
      ],
    )
    const [rearmed] = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'DrawRearmed',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.ok(rearmed)
    const stored = await db.query<{ name: string }>(
      `select name from chain_events where contract = 'disputes' and args->>'id' = $1 order by block_number, log_index`,
      [id.toString()],
    )
    assert.deepEqual(
      stored.map((e) => e.name),
      [
        'DisputeOpened',
        'ChallengeClaimed',
        'DrawRearmed',
        'CommitteeDrawn',
        ...round1.map(() => 'AbsenteePenalized'),
        'RoundEscalated',
        'CommitteeDrawn',
        ...round2.map(() => 'AbsenteePenalized'),
        'DisputeResolved',
      ],
    )
    // Nobody revealed: every member lost its penalty, the last round's count as the resolution's absentees.
    assert.equal(row?.absentees, String(round2.length))
    assert.ok(
      row?.rounds.every((r) => r.votes.length === r.members.length && r.votes.every((v) => v.penalty)),
    )
  })
})
