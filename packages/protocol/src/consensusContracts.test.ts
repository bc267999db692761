import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Address,
  ContractFunctionRevertedError,
  createTestClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  parseEther,
  stringToHex,
  BaseError as ViemBaseError,
} from 'viem'
import { disputesAbi } from './abis/Disputes.js'
import { emissionsAbi } from './abis/Emissions.js'
import { meshTokenAbi } from './abis/MeshToken.js'
import { paymentsAbi } from './abis/Payments.js'
import { registryAbi } from './abis/Registry.js'
import { uptimeAbi } from './abis/Uptime.js'
import { canonicalJson } from './canonicalJson.js'
import { hashRequest } from './hashRequest.js'
import { hashResponse } from './hashResponse.js'
import { hashTokenIds } from './hashTokenIds.js'
import type { Receipt } from './receipt.js'
import { hashReceipt, signSample } from './sample.js'
import { signReceipt } from './signReceipt.js'
import { signVoucher } from './signVoucher.js'
import { type DevChain, startDevChain } from './startDevChain.js'

const modelId = `0x${'cd'.repeat(32)}` as const
const hardware = { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 16, ramMb: 65536 }
const EPOCH = 3600
/** Short dispute rounds, so the unbonding period (their sum, at least) passes within the test. */
const disputeParams = {
  disputeWindow: 3600n,
  commitPeriod: 600n,
  revealPeriod: 600n,
  maxRounds: 2n,
  unbondingPeriod: 3600n + 2n * (600n + 600n),
}
const Outcome = { None: 0, Guilty: 1, Innocent: 2, Void: 3 } as const

/** The revert error name viem decoded from a failed call. */
async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ViemBaseError) {
      const revert = error.walk((e) => e instanceof ContractFunctionRevertedError)
      if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName
    }
    throw error
  }
  return undefined
}

/**
 * The consensus contracts on a real anvil: uptime reports and paid work, a dispute that freezes the
 * provider's stake (even once unbonded), a committee drawn by stake among the validators that declared
 * the model (never the challenger), commit–reveal votes, a guilty verdict of the full committee that
 * slashes stake and unbonding stake; one guilty vote out of three that escalates and ends void without a
 * slash; and the epoch's emissions.
 */
describe('consensus contracts (Registry, Uptime, Disputes, Emissions) on a real anvil', () => {
  let chain: DevChain
  let provider: LocalAccount
  /** validators[3] is the challenger the payer's samples name; the other three make the committee. */
  let validators: LocalAccount[]
  let challenger: LocalAccount
  let payer: LocalAccount

  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
    chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const simulate = (
    account: LocalAccount,
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: unknown[] = [],
  ) => chain.publicClient.simulateContract({ account, address, abi, functionName, args } as never)
  const balanceOf = (account: Address) =>
    read<bigint>(chain.deployment.contracts.token, meshTokenAbi, 'balanceOf', [account])
  const supply = () => read<bigint>(chain.deployment.contracts.token, meshTokenAbi, 'totalSupply')
  const stakeOf = async (account: Address) => {
    const [, staked, unbonding] = await read<readonly [number, bigint, bigint, bigint]>(
      chain.deployment.contracts.registry,
      registryAbi,
      'stakeOf',
      [account],
    )
    return { staked, unbonding }
  }
  const test = () => createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
  const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp
  /** Moves anvil's clock forward and mines a block with the new time. */
  async function passTime(seconds: number | bigint) {
    await test().increaseTime({ seconds: Number(seconds) })
    await test().mine({ blocks: 1 })
  }
  /** Moves anvil's clock to `timestamp` (or past it) and mines a block there. */
  async function passTo(timestamp: bigint) {
    const current = await now()
    if (current < timestamp) await passTime(timestamp - current)
  }
  const disputes = () => chain.deployment.contracts.disputes
  const salt = (member: LocalAccount, id: bigint) => keccak256(stringToHex(`salt ${member.address} ${id}`))
  /** The commitment `commitVote` takes, as a validator computes it off-chain. */
  const commitment = (id: bigint, round: number, member: Address, guilty: boolean, memberSalt: Hex) =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'uint256' }, { type: 'uint8' }, { type: 'address' }, { type: 'bool' }, { type: 'bytes32' }],
        [id, round, member, guilty, memberSalt],
      ),
    )

  /** A receipt the provider signed for `text`, opened as a dispute by the challenger the payer's sample named. */
  async function openDispute(text: string): Promise<bigint> {
    const { payments } = chain.deployment.contracts
    const body = { model: 'tiny', messages: [{ role: 'user', content: `Say ${text}` }], max_tokens: 8 }
    const receipt: Receipt = {
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse(text),
      tokensHash: hashTokenIds([107, 108]),
      modelId,
      payer: payer.address,
      provider: provider.address,
      inputTokens: 5n,
      outputTokens: 2n,
      servedAt: await now(),
      cost: parseEther('0.01'),
      cumulativeAmount: parseEther('100.01'),
    }
    const chainId = chain.deployment.chainId
    const signature = await signReceipt({ account: provider, chainId, payments, receipt })
    const receiptDigest = hashReceipt(chainId, payments, receipt)
    assert.equal(await read(disputes(), disputesAbi, 'hashReceipt', [receipt]), receiptDigest)
    const issuedAt = Number(await now())
    const sampleSignature = await signSample({
      account: payer,
      chainId,
      disputes: disputes(),
      receiptDigest,
      validator: challenger.address,
      issuedAt,
    })
    await chain.send(challenger, {
      address: disputes(),
      abi: disputesAbi,
      functionName: 'openDispute',
      args: [
        receipt,
        signature,
        stringToHex(canonicalJson({ kind: 'chat', body })),
        stringToHex(text),
        BigInt(issuedAt),
        sampleSignature,
      ],
    })
    return read<bigint>(disputes(), disputesAbi, 'disputeCount')
  }

  /** Mines past the draw block and draws round `round`'s committee; returns its members. */
  async function draw(id: bigint): Promise<readonly Address[]> {
    await test().mine({ blocks: 2 }) // the draw needs block.number > drawBlock
    const before = await read<readonly Address[]>(disputes(), disputesAbi, 'committeeOf', [id])
    await chain.send(payer, {
      address: disputes(),
      abi: disputesAbi,
      functionName: 'drawCommittee',
      args: [id],
    })
    const after = await read<readonly Address[]>(disputes(), disputesAbi, 'committeeOf', [id])
    return after.slice(before.length)
  }

  const member = (address: Address) => {
    const account = validators.find((v) => v.address === address)
    assert.ok(account, `${address} is one of the test's validators`)
    return account
  }

  before(async () => {
    chain = await startDevChain({ params: disputeParams })
    provider = chain.account(1)
    validators = [chain.account(2), chain.account(3), chain.account(4), chain.account(5)]
    challenger = validators[3] as LocalAccount
    payer = chain.account(6)
    const { token, registry, disputes } = chain.deployment.contracts
    for (const account of [provider, ...validators, payer]) {
      await chain.fund(account.address, parseEther('5000'))
    }
    await chain.stake(provider, parseEther('2000'))
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'registerProvider',
      args: [
        'http://127.0.0.1:9001',
        'eu-west',
        hardware,
        [{ modelId, pricePerMInput: parseEther('1'), pricePerMOutput: parseEther('2') }],
      ],
    })
    for (const [i, validator] of validators.entries()) {
      await chain.stake(validator, parseEther('1000'))
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`http://127.0.0.1:${9100 + i}`],
      })
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'setValidatorModels',
        args: [[modelId]],
      })
    }
    assert.deepEqual(await read(registry, registryAbi, 'validatorModels', [challenger.address]), [modelId])
    await chain.send(challenger, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, parseEther('1000')],
    })
  })

  after(async () => {
    await chain?.stop()
  })

  it('takes uptime reports and counts paid work in epoch 0', async () => {
    const { uptime, payments } = chain.deployment.contracts
    assert.equal(await read<bigint>(uptime, uptimeAbi, 'currentEpoch'), 0n)
    const scores = [9000, 9500, 10000]
    for (const [i, validator] of validators.slice(0, 3).entries()) {
      await chain.send(validator, {
        address: uptime,
        abi: uptimeAbi,
        functionName: 'submitScores',
        args: [0n, [provider.address], [scores[i]]],
      })
    }
    // Equal stakes: the weighted median is the middle score (1% buckets).
    assert.deepEqual(await read(uptime, uptimeAbi, 'medianScore', [0n, provider.address]), [9500, 3n])

    await chain.deposit(payer, parseEther('100'), [{ provider: provider.address, amount: parseEther('100') }])
    const voucher = {
      payer: payer.address,
      provider: provider.address,
      modelId,
      cumulativeAmount: parseEther('100'),
    }
    const signature = await signVoucher({
      account: payer,
      chainId: chain.deployment.chainId,
      payments,
      voucher,
    })
    await chain.send(provider, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'redeem',
      args: [voucher, signature],
    })
    assert.equal(await read(payments, paymentsAbi, 'workOf', [0n, provider.address]), parseEther('100'))
    assert.equal(await read(payments, paymentsAbi, 'totalWork', [0n]), parseEther('100'))
    // The burn actually paid is recorded per provider and epoch (5% of 100): the cap of the work reward.
    assert.equal(await read(payments, paymentsAbi, 'burnedOf', [0n, provider.address]), parseEther('5'))
  })

  it('freezes the stake of a disputed provider, even unbonded, and slashes stake and unbonding stake on a guilty verdict of the full committee', async () => {
    const { registry, token } = chain.deployment.contracts
    // The provider starts leaving: 500 MESH unbonding, which the dispute still reaches.
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'requestUnstake',
      args: [parseEther('500')],
    })
    await passTime(2 * EPOCH) // epoch 2 (the dispute penalizes epochs 1 and 2, not 0); unbonding is over
    const challengerBefore = await balanceOf(challenger.address)
    const supplyBefore = await supply()
    const id = await openDispute('hi there')
    assert.equal(id, 1n)
    assert.equal(await read(registry, registryAbi, 'frozenOf', [provider.address]), 1n)
    assert.equal(await balanceOf(disputes()), parseEther('100'))
    // The unbonding period is over, but an open dispute freezes the stake.
    assert.equal(
      await revertName(simulate(provider, registry, registryAbi, 'withdrawStake')),
      'StakeIsFrozen',
    )

    const committee = await draw(id)
    assert.deepEqual(
      [...committee].sort(),
      validators
        .slice(0, 3)
        .map((v) => v.address)
        .sort(),
      'every validator of the model but the challenger',
    )
    const dispute = await read<{ commitEnds: bigint; revealEnds: bigint }>(
      disputes(),
      disputesAbi,
      'getDispute',
      [id],
    )
    for (const address of committee) {
      const account = member(address)
      const hidden = commitment(id, 1, address, true, salt(account, id))
      assert.equal(
        await read(disputes(), disputesAbi, 'voteCommitment', [id, 1, address, true, salt(account, id)]),
        hidden,
      )
      await chain.send(account, {
        address: disputes(),
        abi: disputesAbi,
        functionName: 'commitVote',
        args: [id, hidden],
      })
    }
    // A vote is not revealed before the commit period ends, nor by someone off the committee.
    const first = member(committee[0] as Address)
    assert.ok(
      await revertName(simulate(first, disputes(), disputesAbi, 'revealVote', [id, true, salt(first, id)])),
    )
    await passTo(BigInt(dispute.commitEnds))
    // A reveal that does not match the commitment is refused.
    assert.ok(
      await revertName(simulate(first, disputes(), disputesAbi, 'revealVote', [id, false, salt(first, id)])),
    )
    for (const address of committee) {
      const account = member(address)
      await chain.send(account, {
        address: disputes(),
        abi: disputesAbi,
        functionName: 'revealVote',
        args: [id, true, salt(account, id)],
      })
      assert.equal(await read(disputes(), disputesAbi, 'hasVoted', [id, address]), true)
    }
    // Every seat has revealed: resolvable before the reveal period ends.
    await chain.send(payer, { address: disputes(), abi: disputesAbi, functionName: 'resolve', args: [id] })

    // 10% of the 2,000 MESH at stake (1,500 staked + 500 unbonding) slashed: half of it and the 100 MESH
    // bond to the challenger the sample named, the other half burned.
    const after = await stakeOf(provider.address)
    assert.equal(after.staked + after.unbonding, parseEther('1800'))
    assert.equal(await read(registry, registryAbi, 'frozenOf', [provider.address]), 0n)
    assert.equal((await balanceOf(challenger.address)) - challengerBefore, parseEther('100'))
    assert.equal(await balanceOf(disputes()), 0n)
    assert.equal(await supply(), supplyBefore - parseEther('100'))
    const [resolved] = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'DisputeResolved',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.deepEqual(resolved?.args, {
      id,
      outcome: Outcome.Guilty,
      slashed: parseEther('200'),
      challengerReward: parseEther('100'),
      bondToCommittee: 0n,
      absentees: 0n,
    })
    assert.equal(await read(disputes(), disputesAbi, 'penalized', [provider.address, 2n]), true)
    assert.equal(await read(disputes(), disputesAbi, 'penalized', [provider.address, 0n]), false)
    // Unfrozen: what is left of the unbonded stake can be withdrawn, exactly.
    const wallet = await balanceOf(provider.address)
    await chain.send(provider, { address: registry, abi: registryAbi, functionName: 'withdrawStake' })
    assert.equal((await balanceOf(provider.address)) - wallet, after.unbonding)
    assert.equal(
      await read(token, meshTokenAbi, 'balanceOf', [registry]),
      after.staked + 4n * parseEther('1000'),
    )
  })

  it('does not slash on one guilty vote out of three: absent members lose their seats, and with no majority after the last round the dispute is void', async () => {
    const { registry } = chain.deployment.contracts
    const challengerBefore = await balanceOf(challenger.address)
    const providerBefore = await stakeOf(provider.address)
    const supplyBefore = await supply()
    const id = await openDispute('one vote')
    const committee = await draw(id)
    assert.equal(committee.length, 3)
    const voter = member(committee[0] as Address)
    const absent = committee.slice(1).map(member)
    const absentBefore = await Promise.all(absent.map((a) => stakeOf(a.address)))
    await chain.send(voter, {
      address: disputes(),
      abi: disputesAbi,
      functionName: 'commitVote',
      args: [id, commitment(id, 1, voter.address, true, salt(voter, id))],
    })
    const round1 = await read<{ commitEnds: bigint; revealEnds: bigint }>(
      disputes(),
      disputesAbi,
      'getDispute',
      [id],
    )
    await passTo(BigInt(round1.commitEnds))
    await chain.send(voter, {
      address: disputes(),
      abi: disputesAbi,
      functionName: 'revealVote',
      args: [id, true, salt(voter, id)],
    })
    // One guilty vote is no majority of the full committee: resolve waits for the reveal period's end.
    assert.ok(await revertName(simulate(payer, disputes(), disputesAbi, 'resolve', [id])))
    await passTo(BigInt(round1.revealEnds))
    await chain.send(payer, { address: disputes(), abi: disputesAbi, functionName: 'resolve', args: [id] })
    const [escalated] = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'RoundEscalated',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.equal(escalated?.args.round, 2)
    // Round 2: the seats of the two absentees; every other validator of the model is excluded
    // (the challenger, and this dispute's earlier members), so nobody is left to draw.
    const round2 = await draw(id)
    assert.deepEqual(round2, [])
    const last = await read<{ revealEnds: bigint }>(disputes(), disputesAbi, 'getDispute', [id])
    await passTo(BigInt(last.revealEnds))
    await chain.send(payer, { address: disputes(), abi: disputesAbi, functionName: 'resolve', args: [id] })

    const [resolved] = await chain.publicClient.getContractEvents({
      address: disputes(),
      abi: disputesAbi,
      eventName: 'DisputeResolved',
      args: { id },
      fromBlock: chain.deployment.startBlock,
    })
    assert.equal(resolved?.args.outcome, Outcome.Void)
    assert.equal(resolved?.args.slashed, 0n)
    assert.equal(resolved?.args.challengerReward, 0n)
    // Void: the provider keeps everything, the challenger gets its bond back.
    assert.deepEqual(await stakeOf(provider.address), providerBefore)
    assert.equal(await read(registry, registryAbi, 'frozenOf', [provider.address]), 0n)
    assert.equal(await balanceOf(challenger.address), challengerBefore)
    assert.equal(await balanceOf(disputes()), 0n)
    // The two members who never revealed owe 1% of their stake each: frozen until anyone collects it,
    // which burns it.
    let penalties = 0n
    for (const [i, account] of absent.entries()) {
      const before = absentBefore[i] as { staked: bigint; unbonding: bigint }
      const owed = ((before.staked + before.unbonding) * 100n) / 10_000n
      assert.equal(await read(disputes(), disputesAbi, 'pendingPenaltyOf', [account.address]), owed)
      assert.equal(await read(registry, registryAbi, 'frozenOf', [account.address]), 1n)
      await chain.send(payer, {
        address: disputes(),
        abi: disputesAbi,
        functionName: 'collectPenalty',
        args: [account.address],
      })
      const now = await stakeOf(account.address)
      assert.equal(
        before.staked + before.unbonding - now.staked - now.unbonding,
        owed,
        `${account.address} lost 1%`,
      )
      assert.equal(await read(registry, registryAbi, 'frozenOf', [account.address]), 0n)
      penalties += owed
    }
    assert.equal(await supply(), supplyBefore - penalties)
  })

  it('mints epoch 0 emissions after finalization: uptime by stake, capped work and validation by report weight', async () => {
    const { uptime, emissions } = chain.deployment.contracts
    await chain.send(payer, { address: uptime, abi: uptimeAbi, functionName: 'finalize', args: [0n, 10n] })
    assert.equal(await read(uptime, uptimeAbi, 'isFinalized', [0n]), true)
    assert.deepEqual(await read(uptime, uptimeAbi, 'scoreOf', [0n, provider.address]), [
      9500,
      true,
      (await stakeOf(provider.address)).staked,
    ])

    // 1,000 MESH: 400 for uptime (the only provider takes it all), 400 for work (capped at 2.5% of the
    // 100 MESH paid: 2.5 MESH, below the 5 MESH burned), 200 for the three reports of equal weight.
    assert.deepEqual(await read(emissions, emissionsAbi, 'claimable', [0n, provider.address]), [
      parseEther('400'),
      parseEther('2.5'),
      0n,
    ])
    const providerBefore = await balanceOf(provider.address)
    await chain.send(payer, {
      address: emissions,
      abi: emissionsAbi,
      functionName: 'claim',
      args: [0n, provider.address],
    })
    assert.equal((await balanceOf(provider.address)) - providerBefore, parseEther('402.5'))

    const validatorShare = parseEther('200') / 3n
    for (const validator of validators.slice(0, 3)) {
      const before = await balanceOf(validator.address)
      await chain.send(payer, {
        address: emissions,
        abi: emissionsAbi,
        functionName: 'claim',
        args: [0n, validator.address],
      })
      assert.equal((await balanceOf(validator.address)) - before, validatorShare)
    }
    // The challenger sent no report in epoch 0: nothing for it.
    assert.deepEqual(await read(emissions, emissionsAbi, 'claimable', [0n, challenger.address]), [0n, 0n, 0n])
    assert.equal(
      await read(emissions, emissionsAbi, 'emittedIn', [0n]),
      parseEther('402.5') + 3n * validatorShare,
    )
    assert.equal(await read(emissions, emissionsAbi, 'emissionFor', [0n]), parseEther('1000'))
  })
})
