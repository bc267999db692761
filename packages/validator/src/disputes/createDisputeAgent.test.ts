import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { submitSample } from '@infermesh/client'
import { modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import {
  canonicalJson,
  type DevChain,
  disputesAbi,
  encodeSignedReceipt,
  hashReceipt,
  hashRequest,
  hashResponse,
  meshTokenAbi,
  modelRegistryAbi,
  type Receipt,
  registryAbi,
  type SampleBody,
  signReceipt,
  signSample,
  startDevChain,
} from '@infermesh/protocol'
import pino from 'pino'
import {
  type Address,
  type Hex,
  type LocalAccount,
  parseEther,
  recoverAddress,
  stringToHex,
  zeroHash,
} from 'viem'
import { type RunningValidator, startValidator } from '../startValidator.js'
import { validatorConfigSchema } from '../validatorConfig.js'
import { voteCommitment } from './voteCommitment.js'
import { voteSalt } from './voteSalt.js'

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

// biome-ignore lint/suspicious/noExplicitAny: event arguments differ by event; each use names its fields
type Event = { eventName: string; args: Record<string, any>; blockNumber: bigint; transactionHash: Hex }

/**
 * The dispute agent of four real validators (`startValidator`, each with its own key, verifier, database
 * and HTTP server) on anvil with the v2 contracts: committees of 3, 60 s to commit and 60 s to reveal,
 * draws 20 blocks after opening. A provider signed a receipt for random text as a greedy completion of
 * the tiny llama.cpp model; the payer posts the sample, signed for one validator, to it. The test moves
 * the chain's clock (anvil) past a commit phase once every member has committed, and mines the draw's
 * blocks; everything else (opening, claiming, drawing, committing, revealing, resolving) is the agents'.
 */
describe('dispute agent (v2: assigned challenger, commit–reveal, restart)', () => {
  let dir: string
  let chain: DevChain
  let modelId: Hex
  let modelPath: string
  const validators = new Map<Address, RunningValidator>()
  const provider = () => chain.account(2)
  const members = () => [chain.account(3), chain.account(4), chain.account(5)]
  const challenger = () => chain.account(6)
  const payer = () => chain.account(7)
  const copycat = () => chain.account(8)
  const request = { model: 'tiny', prompt: 'once upon a time', max_tokens: 8, temperature: 0 }
  const rpc = (method: string, params: unknown[] = []) =>
    chain.publicClient.request({ method, params } as never) as Promise<unknown>
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const events = async (fromBlock = 0n) =>
    (await chain.publicClient.getContractEvents({
      address: chain.deployment.contracts.disputes,
      abi: disputesAbi,
      fromBlock,
    })) as unknown as Event[]
  const ofDispute = async (id: bigint, eventName: string) =>
    (await events()).filter((e) => e.eventName === eventName && e.args.id === id)
  /** True once each of `accounts` has committed a vote in the dispute. */
  const committedBy = async (id: bigint, accounts: readonly Address[]) => {
    const committed = new Set(
      (await ofDispute(id, 'VoteCommitted')).map((e) => String(e.args.member).toLowerCase()),
    )
    return accounts.every((a) => committed.has(a.toLowerCase())) ? true : undefined
  }
  const balanceOf = (account: Address) =>
    read<bigint>(chain.deployment.contracts.token, meshTokenAbi, 'balanceOf', [account])
  const totalSupply = () => read<bigint>(chain.deployment.contracts.token, meshTokenAbi, 'totalSupply')
  const staked = async (account: Address) =>
    (
      await read<readonly [number, bigint, bigint, bigint]>(
        chain.deployment.contracts.registry,
        registryAbi,
        'stakeOf',
        [account],
      )
    )[1]
  const params = () =>
    read<{ challengerBond: bigint; slashBps: number; challengerRewardBps: number }>(
      chain.deployment.contracts.disputes,
      disputesAbi,
      'params',
    )

  async function start(account: LocalAccount) {
    const validator = await startValidator({
      config: validatorConfigSchema.parse({
        chain: { rpcUrl: chain.anvil.rpcUrl, contracts: chain.deployment.contracts },
        server: { port: 0 },
        allowPrivatePeers: true,
        models: [{ modelId, path: modelPath }],
        verifier: { threads: 1 },
        probe: { intervalMs: 600_000, maxTokens: 0 },
        epochs: { pollMs: 500 },
      }),
      account,
      // INFERMESH_TEST_LOG=<file> keeps the validators' logs (one line each, tagged with the address).
      logger: process.env.INFERMESH_TEST_LOG
        ? pino(
            { level: 'info', base: { v: account.address.slice(0, 6) } },
            pino.destination({ dest: process.env.INFERMESH_TEST_LOG, sync: true }),
          )
        : pino({ level: 'silent' }),
    })
    validators.set(account.address, validator)
    return validator
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-disputes-'))
    chain = await startDevChain({
      params: {
        committeeSize: 3n,
        commitPeriod: 60n,
        revealPeriod: 60n,
        drawDelay: 20n,
        maxRounds: 2n,
        disputeWindow: 3600n,
        epochLength: 3600n,
      },
    })
    const { token, registry, models } = chain.deployment.contracts
    modelPath = join(dir, 'tiny.gguf')
    await writeTinyModel({ out: modelPath, seed: 1 })
    modelId = await modelIdOfFile(modelPath)
    await chain.send(chain.account(9), {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'tiny', '', 1000, chain.account(9).address],
    })
    // The provider only needs stake: nobody calls it here.
    await chain.fund(provider().address, parseEther('5000'))
    await chain.send(provider(), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('2000')],
    })
    await chain.send(provider(), {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('2000')],
    })
    await chain.send(provider(), {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9',
        'test',
        { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
        [{ modelId, pricePerMInput: 1n, pricePerMOutput: 1n }],
      ],
    })
    for (const account of [...members(), challenger(), copycat()])
      await chain.fund(account.address, parseEther('5000'))
    for (const account of [...members(), challenger()]) await start(account)
  })
  after(async () => {
    for (const validator of validators.values()) await validator.close()
    await chain?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** A receipt the provider signed for random text, as if it answered the greedy completion. */
  async function cheatingReceipt(text: string) {
    const latest = await chain.publicClient.getBlock()
    const receipt: Receipt = {
      requestHash: hashRequest('completion', request),
      responseHash: hashResponse(text),
      tokensHash: zeroHash,
      modelId,
      payer: payer().address,
      provider: provider().address,
      inputTokens: 5n,
      outputTokens: BigInt(text.length),
      servedAt: latest.timestamp,
      cost: 1000n,
      cumulativeAmount: 1000n,
    }
    const { chainId } = chain.deployment
    const { payments } = chain.deployment.contracts
    const signature = await signReceipt({ account: provider(), chainId, payments, receipt })
    return { receipt, signature, digest: hashReceipt(chainId, payments, receipt) }
  }

  /** The payer's sample of that receipt, signed for `validator`, posted to it. */
  async function postSample(
    cheat: Awaited<ReturnType<typeof cheatingReceipt>>,
    text: string,
    validator: Address,
  ) {
    const issuedAt = Math.floor(Date.now() / 1000)
    const sample: SampleBody = {
      receipt: encodeSignedReceipt({ receipt: cheat.receipt, signature: cheat.signature }),
      kind: 'completion',
      request,
      response: text,
      validator,
      issuedAt,
      signature: await signSample({
        account: payer(),
        chainId: chain.deployment.chainId,
        disputes: chain.deployment.contracts.disputes,
        receiptDigest: cheat.digest,
        validator,
        issuedAt,
      }),
    }
    const endpoint = validators.get(validator)?.url as string
    assert.deepEqual(await submitSample({ allowPrivate: true }, { endpoint, sample, deadlineMs: 10_000 }), {
      kind: 'queued',
      id: cheat.digest,
    })
  }

  /**
   * Mines the draw's blocks, waits for every member's commitment, moves the clock to the reveal phase and
   * waits for the resolution.
   */
  async function drawAndCommit(
    id: bigint,
    options: { beforeReveal?: (committee: Address[]) => Promise<void> } = {},
  ) {
    await rpc('anvil_mine', ['0x16'])
    const [drawn] = await until('the committee drawn', 120_000, async () => {
      const list = await ofDispute(id, 'CommitteeDrawn')
      return list.length > 0 ? list : undefined
    })
    const committee = (drawn as Event).args.members as Address[]
    assert.deepEqual(
      [...committee].map((m) => m.toLowerCase()).sort(),
      members()
        .map((m) => m.address.toLowerCase())
        .sort(),
      'the three validators that are neither the provider nor the challenger',
    )
    await until("every member's commitment", 180_000, () => committedBy(id, committee))
    assert.equal((await ofDispute(id, 'VoteRevealed')).length, 0, 'nobody reveals during the commit phase')
    await options.beforeReveal?.(committee)
    // The commit phase ends: the next block is at commitEnds.
    await rpc('evm_setNextBlockTimestamp', [Number((drawn as Event).args.commitEnds)])
    await rpc('evm_mine')
    const resolved = await until('the dispute resolved', 180_000, async () => {
      const list = await ofDispute(id, 'DisputeResolved')
      return list[0]
    })
    return { committee, resolved }
  }

  it("signs samples the contract reads as the payer's assignment of one validator (Sample v2)", async () => {
    const receiptDigest = `0x${'ab'.repeat(32)}` as Hex
    const issuedAt = 1_767_225_600
    const signature = await signSample({
      account: payer(),
      chainId: chain.deployment.chainId,
      disputes: chain.deployment.contracts.disputes,
      receiptDigest,
      validator: challenger().address,
      issuedAt,
    })
    const digest = await read<Hex>(chain.deployment.contracts.disputes, disputesAbi, 'hashSample', [
      receiptDigest,
      challenger().address,
      BigInt(issuedAt),
    ])
    assert.equal(await recoverAddress({ hash: digest, signature }), payer().address)
  })

  it('computes the commitment the contract checks, with a salt that is the same every time and differs per round', async () => {
    const account = members()[0] as LocalAccount
    const base = { account, chainId: chain.deployment.chainId, disputes: chain.deployment.contracts.disputes }
    const salt = await voteSalt({ ...base, id: 7n, round: 1 })
    assert.equal(await voteSalt({ ...base, id: 7n, round: 1 }), salt)
    assert.notEqual(await voteSalt({ ...base, id: 7n, round: 2 }), salt)
    assert.notEqual(await voteSalt({ ...base, id: 8n, round: 1 }), salt)
    assert.notEqual(await voteSalt({ ...base, account: challenger(), id: 7n, round: 1 }), salt)
    for (const guilty of [true, false]) {
      const onChain = await read<Hex>(chain.deployment.contracts.disputes, disputesAbi, 'voteCommitment', [
        7n,
        1,
        account.address,
        guilty,
        salt,
      ])
      assert.equal(voteCommitment({ id: 7n, round: 1, member: account.address, guilty, salt }), onChain)
    }
  })

  it('opens as the assigned challenger; the committee commits, one member restarts before the reveal and still reveals; guilty, balanced to the wei', async () => {
    const text = 'zq#k@x!p'
    const cheat = await cheatingReceipt(text)
    const { slashBps, challengerRewardBps } = await params()
    const providerStake = await staked(provider().address)
    const challengerBefore = await balanceOf(challenger().address)
    const supplyBefore = await totalSupply()
    await postSample(cheat, text, challenger().address)
    const opened = await until('the dispute opened', 180_000, async () =>
      (await events()).find((e) => e.eventName === 'DisputeOpened' && e.args.receiptDigest === cheat.digest),
    )
    const id = opened.args.id as bigint
    assert.equal(opened.args.challenger, challenger().address)
    const report = validators
      .get(challenger().address)
      ?.reputation.reports(10)
      .find((r) => r.receiptDigest === cheat.digest)
    assert.equal(report?.verdict, 'breach', JSON.stringify(report?.reasons))
    assert.equal(report?.disputeId, id.toString())

    let restarted: Address | undefined
    const { resolved } = await drawAndCommit(id, {
      beforeReveal: async (committee) => {
        // A member stops after committing and starts again: it holds no vote in memory, only its key.
        restarted = committee[0] as Address
        await validators.get(restarted)?.close()
        validators.delete(restarted)
        await start(members().find((m) => m.address === restarted) as LocalAccount)
      },
    })
    const reveals = await ofDispute(id, 'VoteRevealed')
    assert.deepEqual(
      reveals.map((e) => [String(e.args.member).toLowerCase(), e.args.guilty]).sort(),
      members()
        .map((m) => [m.address.toLowerCase(), true])
        .sort(),
    )
    assert.ok(reveals.some((e) => e.args.member === restarted))

    const slashAmount = (providerStake * BigInt(slashBps)) / 10_000n
    const reward = (slashAmount * BigInt(challengerRewardBps)) / 10_000n
    assert.equal(Number(resolved.args.outcome), 1, 'Guilty')
    assert.equal(resolved.args.slashed, slashAmount)
    assert.equal(resolved.args.challengerReward, reward)
    assert.equal(resolved.args.absentees, 0n)
    assert.equal(await staked(provider().address), providerStake - slashAmount)
    assert.equal(await balanceOf(challenger().address), challengerBefore + reward, 'bond back and the reward')
    assert.equal(supplyBefore - (await totalSupply()), slashAmount - reward, 'the rest of the slash burned')
    assert.equal(await balanceOf(chain.deployment.contracts.disputes), 0n, 'no bond held once resolved')
  })

  it('rearms a draw whose block hash is gone, then takes over the copied dispute with claimChallenge: the copier gets its bond back and no reward', async () => {
    const text = 'vb%tt^ye'
    const cheat = await cheatingReceipt(text)
    const { disputes, token } = chain.deployment.contracts
    const { challengerBond, slashBps, challengerRewardBps } = await params()
    const copierBefore = await balanceOf(copycat().address)
    const challengerBefore = await balanceOf(challenger().address)
    const supplyBefore = await totalSupply()
    const providerStake = await staked(provider().address)
    // Someone who saw the receipt opens the dispute first, with no sample naming it: not assigned.
    await chain.send(copycat(), {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, challengerBond],
    })
    await chain.send(copycat(), {
      address: disputes,
      abi: disputesAbi,
      functionName: 'openDispute',
      args: [
        cheat.receipt,
        cheat.signature,
        stringToHex(canonicalJson({ kind: 'completion', body: request })),
        stringToHex(text),
        0n,
        '0x',
      ],
    })
    const opened = (await events()).find(
      (e) => e.eventName === 'DisputeOpened' && e.args.receiptDigest === cheat.digest,
    ) as Event
    const id = opened.args.id as bigint
    assert.equal(await balanceOf(copycat().address), copierBefore - challengerBond)

    // Nobody draws before the draw's block hash is out of reach (the opener runs no validator; the
    // others wait their grace period): the draw is rearmed instead, at a block still to come.
    await rpc('anvil_mine', ['0x12c'])
    const rearmed = await until(
      'the draw rearmed',
      120_000,
      async () => (await ofDispute(id, 'DrawRearmed'))[0],
    )
    assert.ok(rearmed.args.drawBlock > rearmed.blockNumber)
    assert.equal((await ofDispute(id, 'CommitteeDrawn')).length, 0)

    await postSample(cheat, text, challenger().address)
    const claimed = await until(
      'the challenge claimed',
      180_000,
      async () => (await ofDispute(id, 'ChallengeClaimed'))[0],
    )
    assert.equal(claimed.args.previous, copycat().address)
    assert.equal(claimed.args.challenger, challenger().address)
    assert.equal(await balanceOf(copycat().address), copierBefore, "the copier's bond refunded to the wei")

    const { resolved } = await drawAndCommit(id)
    const slashAmount = (providerStake * BigInt(slashBps)) / 10_000n
    const reward = (slashAmount * BigInt(challengerRewardBps)) / 10_000n
    assert.equal(Number(resolved.args.outcome), 1, 'Guilty')
    assert.equal(resolved.args.slashed, slashAmount)
    assert.equal(resolved.args.challengerReward, reward)
    assert.equal(await balanceOf(challenger().address), challengerBefore + reward)
    assert.equal(await balanceOf(copycat().address), copierBefore, 'the copier earned nothing')
    assert.equal(supplyBefore - (await totalSupply()), slashAmount - reward)
    assert.equal(await balanceOf(disputes), 0n)
  })

  it('attack: a dispute over a request nobody re-executes (an embeddings receipt) costs its opener the bond, never a member a penalty', async () => {
    // Any customer holds receipts like this one. Were the members unable to vote, each would lose
    // absentSlashBps and the dispute would end void with the bond back: free griefing of validators and a
    // free freeze of the provider. They vote innocent instead: no breach can be shown.
    const body = { model: 'tiny', input: 'hello' }
    const latest = await chain.publicClient.getBlock()
    const receipt: Receipt = {
      requestHash: hashRequest('embeddings', body),
      responseHash: hashResponse(''),
      tokensHash: zeroHash,
      modelId,
      payer: payer().address,
      provider: provider().address,
      inputTokens: 1n,
      outputTokens: 0n,
      servedAt: latest.timestamp,
      cost: 10n,
      cumulativeAmount: 10n,
    }
    const { chainId } = chain.deployment
    const { disputes, token, payments } = chain.deployment.contracts
    const signature = await signReceipt({ account: provider(), chainId, payments, receipt })
    const { challengerBond } = await params()
    const opener = challenger()
    const openerBefore = await balanceOf(opener.address)
    const membersBefore = await Promise.all(members().map((m) => balanceOf(m.address)))
    const providerStake = await staked(provider().address)
    const supplyBefore = await totalSupply()
    await chain.send(opener, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, challengerBond],
    })
    await chain.send(opener, {
      address: disputes,
      abi: disputesAbi,
      functionName: 'openDispute',
      args: [
        receipt,
        signature,
        stringToHex(canonicalJson({ kind: 'embeddings', body })),
        stringToHex(''),
        0n,
        '0x',
      ],
    })
    const digest = hashReceipt(chainId, payments, receipt)
    const opened = (await events()).find(
      (e) => e.eventName === 'DisputeOpened' && e.args.receiptDigest === digest,
    ) as Event
    const id = opened.args.id as bigint

    const { committee, resolved } = await drawAndCommit(id)
    assert.equal(Number(resolved.args.outcome), 2, 'Innocent')
    assert.equal((await ofDispute(id, 'AbsenteePenalized')).length, 0, 'every member voted')
    const share = challengerBond / 3n
    assert.equal(resolved.args.bondToCommittee, share * 3n)
    assert.deepEqual(
      await Promise.all(members().map((m) => balanceOf(m.address))),
      membersBefore.map((b, i) => (committee.includes(members()[i]?.address as Address) ? b + share : b)),
      'each innocent voter got a third of the bond, to the wei',
    )
    assert.equal(await balanceOf(opener.address), openerBefore - challengerBond, 'the opener lost its bond')
    assert.equal(await staked(provider().address), providerStake, 'the provider is untouched')
    assert.equal(supplyBefore - (await totalSupply()), challengerBond - share * 3n, 'the remainder burned')
    assert.equal(await balanceOf(disputes), 0n)
  })

  it('escalates when two members never reveal: they lose absentSlashBps, two new members fill their seats, guilty', async () => {
    // Two more validators holding the model, registered before the dispute's snapshot.
    const extra = [chain.account(10), chain.account(11)]
    for (const account of extra) {
      await rpc('anvil_setBalance', [account.address, '0x56bc75e2d63100000'])
      await chain.fund(account.address, parseEther('5000'))
      await start(account)
    }
    const text = 'qq*wp&zr'
    const cheat = await cheatingReceipt(text)
    const { disputes } = chain.deployment.contracts
    const { slashBps, challengerRewardBps } = await params()
    const absentSlashBps = BigInt(
      (await read<{ absentSlashBps: number }>(disputes, disputesAbi, 'params')).absentSlashBps,
    )
    const providerStake = await staked(provider().address)
    const challengerBefore = await balanceOf(challenger().address)
    const supplyBefore = await totalSupply()
    await postSample(cheat, text, challenger().address)
    const opened = await until('the dispute opened', 180_000, async () =>
      (await events()).find((e) => e.eventName === 'DisputeOpened' && e.args.receiptDigest === cheat.digest),
    )
    const id = opened.args.id as bigint

    await rpc('anvil_mine', ['0x16'])
    const first = await until(
      'round 1 drawn',
      120_000,
      async () => (await ofDispute(id, 'CommitteeDrawn'))[0],
    )
    const round1 = first.args.members as Address[]
    assert.equal(round1.length, 3)
    // Two of them go away before revealing; the third votes.
    const [voter, ...absent] = round1 as [Address, Address, Address]
    const absentStakes = await Promise.all(absent.map((a) => staked(a)))
    for (const account of absent) {
      await validators.get(account)?.close()
      validators.delete(account)
    }
    // (They may have committed already: without a reveal they are absent all the same.)
    await until("the remaining member's commitment", 180_000, () => committedBy(id, [voter]))
    await rpc('evm_setNextBlockTimestamp', [Number(first.args.commitEnds)])
    await rpc('evm_mine')
    await until('its reveal', 120_000, async () =>
      (await ofDispute(id, 'VoteRevealed')).length >= 1 ? true : undefined,
    )
    // The reveal phase ends with one vote of three: no majority of the full committee, a second round.
    await rpc('evm_setNextBlockTimestamp', [Number(first.args.revealEnds)])
    await rpc('evm_mine')
    const escalated = await until(
      'the round escalated',
      120_000,
      async () => (await ofDispute(id, 'RoundEscalated'))[0],
    )
    assert.equal(Number(escalated.args.round), 2)
    await rpc('anvil_mine', ['0x16'])
    const second = await until(
      'round 2 drawn',
      120_000,
      async () => (await ofDispute(id, 'CommitteeDrawn'))[1],
    )
    const round2 = (second.args.members as Address[]).map((m) => m.toLowerCase()).sort()
    const everyone = [...members(), ...extra].map((m) => m.address.toLowerCase())
    assert.deepEqual(
      round2,
      everyone.filter((m) => !round1.some((r) => r.toLowerCase() === m)).sort(),
      'the two seats go to the two validators never drawn (the kept voter keeps its seat)',
    )
    await until('round 2 commitments', 180_000, () => committedBy(id, second.args.members as Address[]))
    await rpc('evm_setNextBlockTimestamp', [Number(second.args.commitEnds)])
    await rpc('evm_mine')
    const resolved = await until(
      'the dispute resolved',
      180_000,
      async () => (await ofDispute(id, 'DisputeResolved'))[0],
    )

    const reveals = (await ofDispute(id, 'VoteRevealed'))
      .map((e) => String(e.args.member).toLowerCase())
      .sort()
    assert.deepEqual(reveals, [voter.toLowerCase(), ...round2].sort())
    const penalties = await ofDispute(id, 'AbsenteePenalized')
    assert.deepEqual(
      penalties.map((e) => String(e.args.member).toLowerCase()).sort(),
      absent.map((a) => a.toLowerCase()).sort(),
    )
    const penalized = absentStakes.map((stake) => (stake * absentSlashBps) / 10_000n)
    for (const [i, account] of absent.entries())
      assert.equal(await staked(account), (absentStakes[i] as bigint) - (penalized[i] as bigint))
    const slashAmount = (providerStake * BigInt(slashBps)) / 10_000n
    const reward = (slashAmount * BigInt(challengerRewardBps)) / 10_000n
    assert.equal(Number(resolved.args.outcome), 1, 'Guilty')
    assert.equal(resolved.args.slashed, slashAmount)
    assert.equal(await balanceOf(challenger().address), challengerBefore + reward)
    const burned = slashAmount - reward + penalized.reduce((a, b) => a + b, 0n)
    assert.equal(
      supplyBefore - (await totalSupply()),
      burned,
      'slash and absentee penalties burned, to the wei',
    )
    assert.equal(await balanceOf(disputes), 0n)
  })
})
