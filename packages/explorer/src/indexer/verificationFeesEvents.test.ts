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
  paymentsAbi,
  type Receipt,
  registryAbi,
  signReceipt,
  signSample,
  signVoucher,
  startDevChain,
  VERIFICATION_MODEL_ID,
  verificationFeesAbi,
} from '@infermesh/protocol'
import pino from 'pino'
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
import { explorerConfigSchema } from '../explorerConfig.js'
import { readProviders } from '../queries/readProviders.js'
import { readValidators } from '../queries/readValidators.js'
import { readVerificationFees } from '../queries/readVerificationFees.js'
import { startExplorer } from '../startExplorer.js'
import { createIndexer } from './createIndexer.js'
import { createEventHandlers } from './eventHandlers.js'

const modelId = `0x${'ab'.repeat(32)}` as Hex
/** Short dispute rounds inside one hour-long epoch. */
const params = {
  epochLength: 3600n,
  disputeWindow: 3600n,
  commitPeriod: 600n,
  revealPeriod: 600n,
  maxRounds: 2n,
  unbondingPeriod: 3600n + 2n * 1200n,
}

/**
 * Verification fees on anvil with the real contracts: a pool funded by Payments' burn flush and by an
 * outsider, votes credited by a real dispute (2 of 3 members vote guilty: the one who voted innocent earns
 * nothing), the epoch ended, one voter's fee claimed, the cap's leftover rolled over, the cap changed
 * afterwards, and per-sample fees redeemed on VERIFICATION_MODEL_ID: the explorer's books equal the
 * chain's views to the wei.
 */
describe('the indexer and the API on verification fees', () => {
  let chain: DevChain
  let db: Database
  let provider: LocalAccount
  let payer: LocalAccount
  let outsider: LocalAccount
  /** validators[0] is the challenger the payer's sample names; the other three are the committee. */
  let validators: LocalAccount[]
  let guiltyVoters: LocalAccount[]
  let innocentVoter: LocalAccount

  const test = () => createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
  const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp
  const passTo = async (timestamp: bigint) => {
    const current = await now()
    if (current < timestamp) await test().increaseTime({ seconds: Number(timestamp - current) })
    await test().mine({ blocks: 1 })
  }
  const contracts = () => chain.deployment.contracts
  const fees = <T>(functionName: string, args: unknown[] = []) =>
    chain.publicClient.readContract({
      address: contracts().verificationFees,
      abi: verificationFeesAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const disputes = <T>(functionName: string, args: unknown[]) =>
    chain.publicClient.readContract({
      address: contracts().disputes,
      abi: disputesAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const sendDisputes = (account: LocalAccount, functionName: string, args: unknown[]) =>
    chain.send(account, { address: contracts().disputes, abi: disputesAbi, functionName, args })
  const sendFees = (account: LocalAccount, functionName: string, args: unknown[]) =>
    chain.send(account, {
      address: contracts().verificationFees,
      abi: verificationFeesAbi,
      functionName,
      args,
    })
  const index = () =>
    createIndexer({
      db,
      publicClient: chain.publicClient,
      contracts: createEventHandlers(contracts()),
      startBlock: chain.deployment.startBlock,
      confirmations: 0,
      batchBlocks: 1000,
      pollMs: 100,
      log: { info: () => {}, warn: () => {} },
    }).syncOnce()
  // biome-ignore lint/suspicious/noExplicitAny: event arguments differ by event; each use names its fields
  type FeeEvent = { args: Record<string, any> }
  const feeEvents = async (
    eventName: 'FeesFunded' | 'VotesCredited' | 'FeesClaimed' | 'FeesRolledOver',
  ): Promise<FeeEvent[]> =>
    (await chain.publicClient.getContractEvents({
      address: contracts().verificationFees,
      abi: verificationFeesAbi,
      eventName,
      fromBlock: chain.deployment.startBlock,
    })) as unknown as FeeEvent[]
  const lower = (account: LocalAccount) => account.address.toLowerCase()
  const salt = (account: LocalAccount, id: bigint) => keccak256(stringToHex(`${account.address}:${id}`))
  const commitment = (id: bigint, account: LocalAccount, guilty: boolean) =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'uint256' }, { type: 'uint8' }, { type: 'address' }, { type: 'bool' }, { type: 'bytes32' }],
        [id, 1, account.address, guilty, salt(account, id)],
      ),
    )

  /** A dispute opened by the challenger the sample named, its committee of three drawn and voting. */
  async function disputeWithVerdict(): Promise<void> {
    const { payments } = contracts()
    const chainId = chain.deployment.chainId
    const challenger = validators[0] as LocalAccount
    const body = { model: 'tiny', messages: [{ role: 'user', content: 'fees' }], max_tokens: 4 }
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
      disputes: contracts().disputes,
      receiptDigest: hashReceipt(chainId, payments, receipt),
      validator: challenger.address,
      issuedAt: Number(issuedAt),
    })
    await sendDisputes(challenger, 'openDispute', [
      receipt,
      signature,
      stringToHex(canonicalJson({ kind: 'chat', body })),
      stringToHex('noise'),
      issuedAt,
      sampleSignature,
    ])
    const id = await disputes<bigint>('disputeCount', [])
    await test().mine({ blocks: 2 })
    await sendDisputes(payer, 'drawCommittee', [id])
    const members = (await disputes<readonly Address[]>('committeeOf', [id])).map((address) => {
      const account = validators.find((v) => v.address === address)
      assert.ok(account, `${address} is one of the test's validators`)
      return account
    })
    assert.equal(members.length, 3)
    ;[innocentVoter] = members.slice(2) as [LocalAccount]
    guiltyVoters = members.slice(0, 2)
    const votes = members.map((account) => [account, account !== innocentVoter] as const)
    for (const [account, guilty] of votes)
      await sendDisputes(account, 'commitVote', [id, commitment(id, account, guilty)])
    const { commitEnds } = await disputes<{ commitEnds: bigint }>('getDispute', [id])
    await passTo(BigInt(commitEnds))
    for (const [account, guilty] of votes)
      await sendDisputes(account, 'revealVote', [id, guilty, salt(account, id)])
    await sendDisputes(payer, 'resolve', [id])
    const { outcome } = await disputes<{ outcome: number }>('getDispute', [id])
    assert.equal(outcome, 1, 'two guilty votes of three: guilty')
  }

  before(async () => {
    chain = await startDevChain({ params })
    db = await openDatabase()
    await migrateExplorerDatabase(db)
    const { registry, payments } = contracts()
    payer = chain.account(1)
    provider = chain.account(2)
    outsider = chain.account(9)
    await chain.fund(provider.address, parseEther('2000'))
    await chain.stake(provider, parseEther('1500'))
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
    validators = []
    for (const index of [3, 4, 5, 6]) {
      const validator = chain.account(index)
      await chain.fund(validator.address, parseEther('1200'))
      await chain.stake(validator, parseEther('1000'))
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
        args: [[modelId]],
      })
      validators.push(validator)
    }
    await chain.send(validators[0] as LocalAccount, {
      address: contracts().token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [contracts().disputes, parseEther('200')],
    })
    // Paid work: 100 MESH redeemed by the provider, its burn booked in Payments; a sample budget for the
    // fourth validator (validators[3] may sit on the committee too: it is paid by samples either way).
    await chain.fund(payer.address, parseEther('200'))
    await chain.deposit(payer, parseEther('101'), [
      { provider: provider.address, amount: parseEther('100') },
      { provider: (validators[3] as LocalAccount).address, amount: parseEther('1') },
    ])
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
    await chain.fund(outsider.address, parseEther('100'))
  })
  after(async () => {
    await db?.close()
    await chain?.stop()
  })

  it('books a pool funded by the burn flush and by anyone, and the votes a real verdict credits, in the epoch they came in', async () => {
    const { payments, verificationFees } = contracts()
    // Anyone flushes the burn: 20% of it funds the current epoch's pool, the rest is burned.
    await chain.send(outsider, { address: payments, abi: paymentsAbi, functionName: 'flushBurn', args: [] })
    // Anyone may add: 30 MESH and 1 wei, so the pool does not split evenly.
    const added = parseEther('30') + 1n
    await chain.send(outsider, {
      address: contracts().token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [verificationFees, added],
    })
    await sendFees(outsider, 'fund', [added])
    await disputeWithVerdict()
    const epoch = await fees<bigint>('currentEpoch')
    assert.equal(epoch, 0n, 'all of it in epoch 0')

    await index()
    const books = await readVerificationFees(db)
    const pool = await fees<bigint>('poolOf', [0n])
    const funded = await feeEvents('FeesFunded')
    assert.deepEqual(
      funded.map((e) => e.args.from),
      [payments, outsider.address],
    )
    assert.equal(pool, (funded[0]?.args.amount as bigint) + added)
    assert.equal(funded[0]?.args.amount, parseEther('1'), '20% of the 5% burned of 100 MESH')
    // Not ended yet: the fee per vote is what a point would be worth now, as the contract's view says.
    assert.deepEqual(books.epochs, [
      {
        epoch: '0',
        funded: pool.toString(),
        rolledIn: '0',
        pool: pool.toString(),
        votes: Number(await fees<bigint>('votesOf', [0n])),
        cap: (await fees<bigint>('capOf', [0n])).toString(),
        feePerVote: (await fees<bigint>('feePerVote', [0n])).toString(),
        claimed: '0',
        rolledOver: null,
        rolledTo: null,
      },
    ])
    assert.equal(books.epochs[0]?.votes, 2, 'the two members who voted with the verdict')
    assert.equal(books.epochs[0]?.feePerVote, parseEther('5').toString(), 'capped at maxFeePerVote')
    const listed = new Map((await readValidators(db)).map((v) => [v.address, v.fees]))
    for (const account of [...guiltyVoters, innocentVoter]) {
      const votes = await fees<bigint>('votesBy', [0n, account.address])
      assert.equal(listed.get(lower(account))?.votes, Number(votes))
    }
    assert.equal(listed.get(lower(innocentVoter))?.votes, 0, 'a vote against the verdict earns nothing')
    assert.equal(books.held, (await balanceOfFees()).toString())
  })

  it('follows a claim, a roll-over of what the cap left, and a cap changed after an epoch took its own, to the wei', async () => {
    const genesis = await fees<bigint>('genesis')
    await passTo(genesis + params.epochLength)
    const [claimer, unclaimed] = guiltyVoters as [LocalAccount, LocalAccount]
    // Anyone may claim for a validator: the fee goes to the validator.
    await sendFees(outsider, 'claim', [claimer.address, [0n]])
    await sendFees(outsider, 'rollOver', [0n])
    // Epoch 1's first booking was the roll-over: it keeps the cap in force then, not this one.
    await sendFees(chain.account(0), 'setMaxFeePerVote', [parseEther('1')])
    await index()

    const books = await readVerificationFees(db)
    const [claimed] = await feeEvents('FeesClaimed')
    const [rolled] = await feeEvents('FeesRolledOver')
    assert.equal(claimed?.args.amount, parseEther('5'))
    const pool0 = await fees<bigint>('poolOf', [0n])
    assert.equal(rolled?.args.amount, pool0 - 2n * parseEther('5'), 'the cap left all but two fees')
    const view = async (epoch: bigint) => ({
      pool: (await fees<bigint>('poolOf', [epoch])).toString(),
      votes: Number(await fees<bigint>('votesOf', [epoch])),
      cap: (await fees<bigint>('capOf', [epoch])).toString(),
      feePerVote: (await fees<bigint>('feePerVote', [epoch])).toString(),
    })
    assert.deepEqual(
      books.epochs.map(({ epoch, pool, votes, cap, feePerVote }) => ({
        epoch,
        pool,
        votes,
        cap,
        feePerVote,
      })),
      [
        { epoch: '1', ...(await view(1n)) },
        { epoch: '0', ...(await view(0n)) },
      ],
    )
    assert.equal(
      books.epochs[0]?.cap,
      parseEther('5').toString(),
      'epoch 1 kept the cap of its first booking',
    )
    assert.deepEqual(
      books.epochs.map(({ epoch, funded, rolledIn, claimed, rolledOver, rolledTo }) => [
        epoch,
        funded,
        rolledIn,
        claimed,
        rolledOver,
        rolledTo,
      ]),
      [
        ['1', '0', String(rolled?.args.amount), '0', null, null],
        ['0', pool0.toString(), '0', parseEther('5').toString(), String(rolled?.args.amount), '1'],
      ],
    )
    // Money to the wei: what the contract holds is everything funded minus everything claimed.
    assert.equal(books.held, (await balanceOfFees()).toString())
    assert.equal(books.funded, pool0.toString())
    assert.equal(books.claimed, parseEther('5').toString())
    assert.equal(books.rolledOver, String(rolled?.args.amount))

    const listed = new Map((await readValidators(db)).map((v) => [v.address, v.fees]))
    assert.deepEqual(
      [claimer, unclaimed, innocentVoter].map((account) => {
        const f = listed.get(lower(account))
        return [f?.votes, f?.voteFees, f?.voteFeesClaimed]
      }),
      [
        [1, parseEther('5').toString(), parseEther('5').toString()],
        [1, parseEther('5').toString(), '0'],
        [0, '0', '0'],
      ],
    )
    assert.equal(await fees<bigint>('claimable', [unclaimed.address, 0n]), parseEther('5'))
  })

  it("shows a redemption on VERIFICATION_MODEL_ID as the validator's sample fee, not as a provider's work on a model", async () => {
    const { payments } = contracts()
    const validator = validators[3] as LocalAccount
    const sampleFee = parseEther('0.01')
    for (const samples of [3n, 5n]) {
      const voucher = {
        payer: payer.address,
        provider: validator.address,
        modelId: VERIFICATION_MODEL_ID,
        cumulativeAmount: samples * sampleFee,
      }
      const signature = await signVoucher({
        account: payer,
        chainId: chain.deployment.chainId,
        payments,
        voucher,
      })
      await chain.send(validator, {
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [voucher, signature],
      })
    }
    await index()
    const redeemed = await chain.publicClient.getContractEvents({
      address: payments,
      abi: paymentsAbi,
      eventName: 'Redeemed',
      args: { provider: validator.address },
      fromBlock: chain.deployment.startBlock,
    })
    assert.equal(redeemed.length, 2)
    const sum = (pick: (args: (typeof redeemed)[number]['args']) => bigint | undefined) =>
      redeemed.reduce((total, e) => total + (pick(e.args) ?? 0n), 0n)
    const amount = sum((a) => a.amount)
    const burned = sum((a) => a.burned)
    const royalty = sum((a) => a.royalty)
    assert.equal(amount, 5n * sampleFee)
    const listed = (await readValidators(db)).find((v) => v.address === lower(validator))
    assert.deepEqual(listed?.fees.samples, {
      redemptions: 2,
      amount: amount.toString(),
      burned: burned.toString(),
      earned: (amount - burned - royalty).toString(),
    })
    const received = await chain.publicClient.readContract({
      address: contracts().token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [validator.address],
    })
    // The validator's own MESH: what it was funded, minus its stake, plus its sample fees and the vote fee
    // claimed for it, if it was the committee member whose fee was claimed.
    const voteFees = (await feeEvents('FeesClaimed'))
      .filter((e) => e.args.validator === validator.address)
      .reduce((total, e) => total + (e.args.amount as bigint), 0n)
    assert.equal(received, parseEther('200') + amount - burned - royalty + voteFees)
    const earnings = await db.query<{ model_id: string }>('select model_id from earnings')
    assert.deepEqual(earnings, [{ model_id: modelId }], 'no provider earnings on the verification model')
    const [listedProvider] = await readProviders(db, { onlineWithinMs: 1000 })
    assert.equal(listedProvider?.earned, (parseEther('100') - parseEther('5')).toString())
  })

  it('answers /api/validators with each validator’s fees and the epochs’ books, as indexed', async () => {
    const explorer = await startExplorer({
      config: explorerConfigSchema.parse({
        chain: {
          rpcUrl: chain.anvil.rpcUrl,
          contracts: contracts(),
          startBlock: chain.deployment.startBlock.toString(),
        },
        server: { port: 0 },
        indexer: { confirmations: 0, pollMs: 100 },
        probes: { intervalMs: 60_000, timeoutMs: 300 },
        validators: { intervalMs: 60_000, timeoutMs: 300 },
      }),
      logger: pino({ level: 'silent' }),
    })
    try {
      const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
      // Bounds a hang only: a loaded machine may take a while to index the chain.
      const deadline = Date.now() + 120_000
      while (explorer.indexer.progress().indexedBlock < head) {
        if (Date.now() > deadline) throw new Error(`the explorer did not index block ${head} in 120 s`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const response = await fetch(`${explorer.url}/api/validators`)
      assert.equal(response.status, 200)
      const body = (await response.json()) as {
        validators: { address: string; fees: unknown }[]
        fees: Record<string, unknown>
      }
      const { byValidator: _, ...books } = await readVerificationFees(db)
      assert.deepEqual(body.fees, books, 'the same books from the explorer’s own index')
      assert.equal(body.fees.held, (await balanceOfFees()).toString())
      const [claimer, unclaimed] = guiltyVoters as [LocalAccount, LocalAccount]
      const byAddress = new Map(body.validators.map((v) => [v.address, v.fees]))
      // The committee is drawn by sortition: the claimed voter may be the validator paid sample fees.
      const sampled = lower(validators[3] as LocalAccount)
      const noSamples = { redemptions: 0, amount: '0', burned: '0', earned: '0' }
      const samplesOf = (address: string) => (byAddress.get(address) as { samples: unknown }).samples
      assert.deepEqual(byAddress.get(lower(claimer)), {
        votes: 1,
        voteFees: parseEther('5').toString(),
        voteFeesClaimed: parseEther('5').toString(),
        samples: lower(claimer) === sampled ? samplesOf(sampled) : noSamples,
      })
      assert.equal((byAddress.get(lower(unclaimed)) as { voteFeesClaimed: string }).voteFeesClaimed, '0')
      assert.equal(
        (byAddress.get(lower(validators[3] as LocalAccount)) as { samples: { redemptions: number } }).samples
          .redemptions,
        2,
      )
    } finally {
      await explorer.close()
    }
  })

  async function balanceOfFees() {
    return chain.publicClient.readContract({
      address: contracts().token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [contracts().verificationFees],
    })
  }
})
