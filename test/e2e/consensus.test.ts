import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, spawnCli } from '@infermesh/cli/testing'
import {
  decodeSignedReceipt,
  disputesAbi,
  emissionsAbi,
  encodeSignedVoucher,
  hashReceipt,
  meshTokenAbi,
  paymentsAbi,
  receiptHeader,
  registryAbi,
  signSample,
  signVoucher,
  uptimeAbi,
  VERIFICATION_MODEL_ID,
  verificationFeesAbi,
  voucherHeader,
} from '@infermesh/protocol'
import OpenAI from 'openai'
import { chromium } from 'playwright-core'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  stringToHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** The configured sampling rate of this network, and the request bound it implies. */
const samplingProbability = 0.25
/** (1 − 0.25)^40 ≈ 1e-5: the chance an honest test run sees no sample of a cheater in 40 requests. */
const requestBound = 40

/**
 * Waits for a state of the network. The deadlines are what a quiet machine needs times `patience`: CI runs
 * this file beside forge and the other end-to-end files on two cores, where a validator's re-execution of
 * a disputed answer has taken more than 90 s. A deadline only bounds how long a broken network hangs the
 * run; what each step proves is checked by the assertions after it.
 */
const patience = 5

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  scale = patience,
): Promise<T> {
  timeoutMs *= scale
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/**
 * DESIGN rules 4–5 on a real network, every part its own process: `infermesh up` with five providers
 * (1 and 2 honest; 3 serves another model than it advertises, 4 truncates its answers, 5 returns random
 * tokens), four validators (a committee of 3 besides the challenger) whose probes check health only (so only the gateway's samples, drawn with
 * p = 0.25, can catch a cheat), 10-second epochs. Cheaters are caught and slashed; a false challenge
 * loses its bond; a provider that goes offline drops below the uptime floor, gets no traffic and no
 * availability emission for that epoch.
 */
describe('consensus: Proof of Sampling, disputes, slashing and uptime on a real network', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let client: OpenAI
  const publicClient = () => createPublicClient({ transport: http(devnet.rpcUrl) })
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    publicClient().readContract({ address, abi, functionName, args } as never) as Promise<T>
  const stakeOf = async (account: Address) =>
    (
      await read<readonly [number, bigint, bigint, bigint]>(
        devnet.contracts.registry,
        registryAbi,
        'stakeOf',
        [account],
      )
    )[1]
  const balanceOf = (account: Address) =>
    read<bigint>(devnet.contracts.token, meshTokenAbi, 'balanceOf', [account])
  // biome-ignore lint/suspicious/noExplicitAny: event arguments differ by event; each use names its fields
  type Event = { args: Record<string, any>; transactionHash: Hex; blockNumber: bigint }
  const disputeEvents = async (
    eventName:
      | 'DisputeOpened'
      | 'DisputeResolved'
      | 'ChallengerAssignedBySample'
      | 'CommitteeDrawn'
      | 'VoteRevealed',
  ): Promise<Event[]> =>
    (await publicClient().getContractEvents({
      address: devnet.contracts.disputes,
      abi: disputesAbi,
      eventName,
      fromBlock: 0n,
    })) as unknown as Event[]

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-consensus-'))
    up = spawnCli([
      'up',
      '--providers',
      '5',
      '--validators',
      '4',
      '--epoch',
      '10',
      '--sampling',
      String(samplingProbability),
      '--probe-tokens',
      '0',
      '--cheat',
      '3:other-model,4:truncate,5:random-tokens',
      '--chain-port',
      '0',
      '--port',
      '0',
      '--dir',
      dir,
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 300_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.ok(devnet.gateway)
    client = new OpenAI({ baseURL: `${devnet.gateway.url}/v1`, apiKey: devnet.gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await up?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('lists four validators (a committee of 3 besides the challenger) and the consensus contracts in devnet.json', () => {
    assert.equal(devnet.validators.length, 4)
    for (const validator of devnet.validators) assert.match(validator.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    for (const name of ['uptime', 'disputes', 'emissions'] as const)
      assert.match(devnet.contracts[name], /^0x/)
  })

  /** The disputes the cheater tests opened, resolved together (their commit and reveal periods overlap). */
  const caught: {
    mode: string
    id: bigint
    cheater: Address
    stakeBefore: bigint
    slashAmount: bigint
    challenger: Address
    sent: number
  }[] = []

  for (const [index, mode] of [
    [2, 'other-model'],
    [3, 'truncate'],
    [4, 'random-tokens'],
  ] as const) {
    it(`catches the provider that cheats by ${mode} within ${requestBound} requests at p = ${samplingProbability}: an assigned validator disputes it`, async () => {
      const cheater = devnet.providers[index]?.address as Address
      const stakeBefore = await stakeOf(cheater)
      let sent = 0
      const openedAgainst = async () =>
        (await disputeEvents('DisputeOpened')).find((e) => e.args.provider === cheater)
      let opened = await openedAgainst()
      while (!opened && sent < requestBound) {
        sent++
        await client.chat.completions
          .create({
            model: 'tiny',
            messages: [{ role: 'user', content: `question ${sent} for the ${mode} provider` }],
            max_tokens: 12,
            temperature: 0,
            provider: { only: [cheater] },
          } as never)
          .catch(() => {})
        // The sample is re-executed in the background; give it a moment before the next request.
        opened = await until(
          'a possible dispute',
          1500,
          async () => (await openedAgainst()) ?? undefined,
          1, // a pause between requests, not a deadline
        ).catch(() => undefined)
      }
      assert.ok(opened, `no dispute against the ${mode} provider after ${sent} requests`)
      const { id, challenger, slashAmount, bond } = opened.args as {
        id: bigint
        challenger: Address
        slashAmount: bigint
        bond: bigint
      }
      assert.ok(
        devnet.validators.some((v) => v.address === challenger),
        'a validator opened it',
      )
      assert.equal(slashAmount, stakeBefore / 10n, 'the slash is 10% of the stake')
      assert.equal(bond, parseEther('100'), 'the challenger bonded 100 MESH')
      const assigned = (await disputeEvents('ChallengerAssignedBySample')).find((e) => e.args.id === id)
      assert.equal(
        assigned?.args.challenger,
        challenger,
        'the payer’s sample named the challenger (it earns the reward)',
      )
      caught.push({ mode, id, cheater, stakeBefore, slashAmount, challenger, sent })
    })
  }

  it('a full committee of 3 commits, reveals and finds every cheater guilty: slashed, half to the assigned challenger', async () => {
    assert.equal(caught.length, 3, 'a dispute against each cheater')
    // The three disputes run their rounds at the same time; wait for each verdict.
    for (const c of caught) {
      const resolved = await until(`the committee verdict on the ${c.mode} provider`, 120_000, async () =>
        (await disputeEvents('DisputeResolved')).find((e) => e.args.id === c.id),
      )
      const { outcome, slashed, challengerReward } = resolved.args as {
        outcome: number
        slashed: bigint
        challengerReward: bigint
      }
      assert.equal(outcome, 1, `the committee found the ${c.mode} provider guilty (outcome 1)`)
      assert.equal(slashed, c.slashAmount)
      assert.equal(challengerReward, c.slashAmount / 2n, 'half of the slash goes to the challenger')
      const drawn = (await disputeEvents('CommitteeDrawn')).filter((e) => e.args.id === c.id)
      const members = drawn.flatMap((e) => e.args.members as Address[])
      assert.equal(
        (drawn[0]?.args.members as Address[] | undefined)?.length,
        3,
        'a full committee of 3 was drawn',
      )
      assert.ok(!members.includes(c.challenger), 'the challenger is not on its own committee')
      const guiltyVotes = (await disputeEvents('VoteRevealed')).filter(
        (e) => e.args.id === c.id && e.args.guilty,
      )
      assert.ok(
        guiltyVotes.length >= 2,
        `a majority of the full committee revealed guilty (${guiltyVotes.length})`,
      )
      // What the resolution paid the challenger, to the wei (its balance also moves with other disputes'
      // bonds and emission claims, so read the transfer itself).
      const paid = await publicClient().getContractEvents({
        address: devnet.contracts.token,
        abi: meshTokenAbi,
        eventName: 'Transfer',
        args: { from: devnet.contracts.disputes, to: c.challenger },
        fromBlock: resolved.blockNumber,
        toBlock: resolved.blockNumber,
      })
      assert.deepEqual(
        paid.filter((e) => e.transactionHash === resolved.transactionHash).map((e) => e.args.value),
        [challengerReward + parseEther('100')],
        'the challenger is paid its reward and its bond back, once',
      )
      assert.ok((await stakeOf(c.cheater)) <= c.stakeBefore - c.slashAmount, 'the stake shows the slash')
      console.log(
        `# ${c.mode}: dispute ${c.id} after ${c.sent} customer requests; slashed ${slashed} wei, reward ${challengerReward}`,
      )
    }
  })

  it('takes the bond of a false challenge and pays it to the committee that voted innocent, never to the provider', async () => {
    const honest = devnet.providers[0] as Devnet['providers'][number]
    const challenger = devnet.accounts[5] as Devnet['accounts'][number]
    const account = privateKeyToAccount(challenger.privateKey)
    const wallet = createWalletClient({ account, transport: http(devnet.rpcUrl), chain: undefined })
    const pc = publicClient()
    const send = async (address: Address, abi: unknown, functionName: string, args: readonly unknown[]) => {
      const hash = await wallet.writeContract({ address, abi, functionName, args, chain: null } as never)
      const receipt = await pc.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success', functionName)
      return receipt
    }
    // A real paid answer from the honest provider, as any customer gets it.
    await send(devnet.contracts.token, meshTokenAbi, 'approve', [devnet.contracts.payments, parseEther('10')])
    // A provider serves only against what a payer allocated to it.
    await send(devnet.contracts.payments, paymentsAbi, 'depositAndAllocate', [
      parseEther('10'),
      [{ provider: honest.address, amount: parseEther('10') }],
    ])
    const models = (await (await fetch(`${honest.url}/v1/models`)).json()) as {
      data: { id: string; infermesh: { modelId: Hex } }[]
    }
    const modelId = models.data[0]?.infermesh.modelId as Hex
    const voucher = { payer: account.address, provider: honest.address, modelId, cumulativeAmount: 0n }
    const signature = await signVoucher({
      account,
      chainId: devnet.chainId,
      payments: devnet.contracts.payments,
      voucher,
    })
    const request = { model: 'tiny', prompt: 'an honest answer', max_tokens: 8, temperature: 0 }
    const response = await fetch(`${honest.url}/v1/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [voucherHeader]: encodeSignedVoucher({ voucher, signature }),
      },
      body: JSON.stringify(request),
    })
    assert.equal(response.status, 200)
    const body = (await response.json()) as { choices: { text: string }[] }
    const signed = decodeSignedReceipt(response.headers.get(receiptHeader) as string)
    const { canonicalJson } = await import('@infermesh/protocol')

    const params = await read<{ challengerBond: bigint }>(devnet.contracts.disputes, disputesAbi, 'params')
    await send(devnet.contracts.token, meshTokenAbi, 'approve', [
      devnet.contracts.disputes,
      params.challengerBond,
    ])
    const [challengerBefore, stakeBefore] = await Promise.all([
      balanceOf(account.address),
      stakeOf(honest.address),
    ])
    // The customer is the payer: it may assign itself as the challenger with its own sample signature.
    const issuedAt = Math.floor(Date.now() / 1000)
    const sampleSignature = await signSample({
      account,
      chainId: devnet.chainId,
      disputes: devnet.contracts.disputes,
      receiptDigest: hashReceipt(devnet.chainId, devnet.contracts.payments, signed.receipt),
      validator: account.address,
      issuedAt,
    })
    const receipt = await send(devnet.contracts.disputes, disputesAbi, 'openDispute', [
      signed.receipt,
      signed.signature,
      stringToHex(canonicalJson({ kind: 'completion', body: request })),
      stringToHex(body.choices[0]?.text ?? ''),
      BigInt(issuedAt),
      sampleSignature,
    ])
    const opened = (await disputeEvents('DisputeOpened')).find(
      (e) => e.transactionHash === receipt.transactionHash,
    )
    assert.ok(opened)
    const resolved = await until('the committee verdict', 90_000, async () =>
      (await disputeEvents('DisputeResolved')).find((e) => e.args.id === opened.args.id),
    )
    assert.equal(resolved.args.outcome, 2, 'the committee found the answer honest (outcome 2, innocent)')
    assert.equal(
      await balanceOf(account.address),
      challengerBefore - params.challengerBond,
      'the challenger lost its bond',
    )
    // Where the bond went, to the wei: equal shares to the members who revealed "innocent", the remainder
    // of the division burned, nothing to the provider.
    const innocent = (await disputeEvents('VoteRevealed'))
      .filter((e) => e.args.id === opened.args.id && !e.args.guilty)
      .map((e) => e.args.member as Address)
    assert.ok(innocent.length >= 2, `a majority of the committee of 3 revealed innocent (${innocent.length})`)
    const transfers = (
      await publicClient().getContractEvents({
        address: devnet.contracts.token,
        abi: meshTokenAbi,
        eventName: 'Transfer',
        args: { from: devnet.contracts.disputes },
        fromBlock: resolved.blockNumber,
        toBlock: resolved.blockNumber,
      })
    ).filter((e) => e.transactionHash === resolved.transactionHash)
    const share = params.challengerBond / BigInt(innocent.length)
    const remainder = params.challengerBond - share * BigInt(innocent.length)
    const byAddress = (a: readonly unknown[], b: readonly unknown[]) =>
      String(a[0]).localeCompare(String(b[0]))
    assert.deepEqual(
      transfers.map((e) => [e.args.to, e.args.value]).sort(byAddress),
      [
        ...innocent.map((member) => [member, share]),
        ...(remainder > 0n ? [['0x0000000000000000000000000000000000000000', remainder]] : []),
      ].sort(byAddress),
    )
    assert.equal(resolved.args.bondToCommittee, share * BigInt(innocent.length))
    assert.ok(!transfers.some((e) => e.args.to === honest.address), 'the provider gets nothing from it')
    assert.equal(await stakeOf(honest.address), stakeBefore, 'the honest stake is untouched')
  })

  it('drops a provider that goes offline below the uptime floor: no traffic, no availability emission that epoch', async () => {
    const victim = devnet.providers[1] as Devnet['providers'][number]
    const honest = devnet.providers[0] as Devnet['providers'][number]
    process.kill(victim.pid, 'SIGKILL')
    const killedAt = await read<bigint>(devnet.contracts.uptime, uptimeAbi, 'currentEpoch')
    await until('the Uptime contract to mark it inactive', 60_000, async () =>
      (await read<boolean>(devnet.contracts.uptime, uptimeAbi, 'isActive', [victim.address]))
        ? undefined
        : true,
    )
    // Routing follows the Uptime contract (the gateway refreshes it every few seconds).
    const refusal = await until('the gateway to refuse it', 30_000, async () => {
      const error = await client.chat.completions
        .create({
          model: 'tiny',
          messages: [{ role: 'user', content: 'hello' }],
          max_tokens: 4,
          provider: { only: [victim.address] },
        } as never)
        .then(
          () => undefined,
          (e: Error) => e,
        )
      return error && /below the uptime floor/.test(error.message) ? error : undefined
    })
    assert.match(refusal.message, /below the uptime floor validators reported last epoch/)

    // The first whole epoch it was offline: finalized with a score below the floor, and no availability share.
    const epoch = killedAt + 1n
    await until(`epoch ${epoch} to be finalized`, 90_000, async () =>
      (await read<boolean>(devnet.contracts.uptime, uptimeAbi, 'isFinalized', [epoch])) ? true : undefined,
    )
    const [score] = await read<readonly [number, boolean]>(devnet.contracts.uptime, uptimeAbi, 'scoreOf', [
      epoch,
      victim.address,
    ])
    const floor = await read<number>(devnet.contracts.uptime, uptimeAbi, 'floor')
    assert.ok(score < floor, `its epoch score ${score} is below the floor ${floor}`)
    const [victimAvailability] = await read<readonly [bigint, bigint, bigint]>(
      devnet.contracts.emissions,
      emissionsAbi,
      'claimable',
      [epoch, victim.address],
    )
    assert.equal(victimAvailability, 0n)
    const [honestScore] = await read<readonly [number, boolean]>(
      devnet.contracts.uptime,
      uptimeAbi,
      'scoreOf',
      [epoch, honest.address],
    )
    assert.ok(honestScore >= floor, `the honest provider scored ${honestScore}`)
    // The honest provider's share: still claimable, or already claimed for it by a validator. Read what is
    // claimable first and the Claimed events after: a validator may claim between the two reads, and in
    // this order its claim is then in the events.
    const [stillClaimable] = await read<readonly [bigint, bigint, bigint]>(
      devnet.contracts.emissions,
      emissionsAbi,
      'claimable',
      [epoch, honest.address],
    )
    const claimed = await publicClient().getContractEvents({
      address: devnet.contracts.emissions,
      abi: emissionsAbi,
      eventName: 'Claimed',
      fromBlock: 0n,
    })
    const honestClaim = claimed.find((e) => e.args.epoch === epoch && e.args.account === honest.address)
    assert.ok(
      (honestClaim?.args.availability ?? 0n) > 0n || stillClaimable > 0n,
      'the honest provider earns availability',
    )
  })

  it('shows it all in the explorer, in a browser: every dispute with its outcome, the validators, a cheater’s breaches', async () => {
    const explorer = devnet.explorer?.url as string
    const opened = await disputeEvents('DisputeOpened')
    const resolved = await disputeEvents('DisputeResolved')
    // The explorer indexes and polls on its own schedule: wait until it holds what the chain holds.
    await until('the explorer to index every dispute', 30_000, async () => {
      const body = (await (await fetch(`${explorer}/api/disputes`)).json()) as { disputes: unknown[] }
      return body.disputes.length >= opened.length ? true : undefined
    })
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    const errors: string[] = []
    try {
      const open = async (path: string) => {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`${path}: ${m.text()}`)
        })
        page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`))
        await page.goto(`${explorer}${path}`)
        return page
      }
      const disputes = await open('/disputes')
      await disputes.getByTestId('dispute').first().waitFor()
      assert.equal(await disputes.getByTestId('dispute').count(), opened.length)
      const guilty = resolved.filter((e) => e.args.outcome === 1).length
      const text = (await disputes.locator('main').textContent()) ?? ''
      assert.equal(text.match(/guilty: slashed/g)?.length, guilty, 'each guilty outcome is shown')
      assert.ok(guilty >= 3 && resolved.length > guilty, 'three cheaters slashed and one false challenge')
      await disputes.close()

      const validators = await open('/validators')
      await validators.getByTestId('validator').first().waitFor()
      assert.equal(await validators.getByTestId('validator').count(), 4)
      // Verification fees: the verdicts credited their voters; anyone may claim a validator's vote fees
      // once the epoch ended (paid to the validator): claim what the chain says is claimable.
      const fees = devnet.contracts.verificationFees
      const feeEvents = async (eventName: 'VotesCredited' | 'FeesClaimed') =>
        (await publicClient().getContractEvents({
          address: fees,
          abi: verificationFeesAbi,
          eventName,
          fromBlock: 0n,
        })) as unknown as Event[]
      const credited = await feeEvents('VotesCredited')
      assert.ok(credited.length >= 2 * guilty, 'each guilty verdict credits its voters (a majority of 3)')
      const current = await read<bigint>(fees, verificationFeesAbi, 'currentEpoch')
      const claimer = privateKeyToAccount((devnet.accounts[5] as Devnet['accounts'][number]).privateKey)
      const wallet = createWalletClient({
        account: claimer,
        transport: http(devnet.rpcUrl),
        chain: undefined,
      })
      for (const validator of new Set(credited.map((e) => e.args.validator as Address))) {
        const epochs: bigint[] = []
        for (const epoch of new Set(
          credited.filter((e) => e.args.validator === validator).map((e) => e.args.epoch),
        ))
          if (
            epoch < current &&
            (await read<bigint>(fees, verificationFeesAbi, 'claimable', [validator, epoch])) > 0n
          )
            epochs.push(epoch)
        if (epochs.length === 0) continue
        const hash = await wallet.writeContract({
          address: fees,
          abi: verificationFeesAbi,
          functionName: 'claim',
          args: [validator, epochs],
          chain: null,
        })
        assert.equal((await publicClient().waitForTransactionReceipt({ hash })).status, 'success')
      }
      // What the chain says each validator earned: vote points, vote fees claimed (by whoever), and sample
      // fees (Redeemed on the verification channel, after the burn).
      const chainFees = async () => {
        const [votes, claims, redeemed] = await Promise.all([
          feeEvents('VotesCredited'),
          feeEvents('FeesClaimed'),
          publicClient().getContractEvents({
            address: devnet.contracts.payments,
            abi: paymentsAbi,
            eventName: 'Redeemed',
            args: { modelId: VERIFICATION_MODEL_ID },
            fromBlock: 0n,
          }),
        ])
        return devnet.validators.map(({ address }) => {
          const mine = (e: Event) => e.args.validator === address
          return [
            address.toLowerCase(),
            String(votes.filter(mine).reduce((sum, e) => sum + Number(e.args.votes), 0)),
            String(claims.filter(mine).reduce((sum, e) => sum + (e.args.amount as bigint), 0n)),
            String(
              redeemed
                .filter((e) => e.args.provider === address)
                .reduce(
                  (sum, e) => sum + (e.args.amount ?? 0n) - (e.args.burned ?? 0n) - (e.args.royalty ?? 0n),
                  0n,
                ),
            ),
          ]
        })
      }
      const pageFees = async () =>
        Promise.all(
          devnet.validators.map(async ({ address }) => {
            const row = validators.locator(
              `[data-testid="validator"][data-address="${address.toLowerCase()}"]`,
            )
            return [
              address.toLowerCase(),
              ...(await Promise.all(
                ['data-votes', 'data-vote-fees-claimed', 'data-sample-fees'].map(
                  async (name) => (await row.getAttribute(name)) ?? '',
                ),
              )),
            ]
          }),
        )
      // The page updates live as the explorer indexes the claims (and whatever the daemons send meanwhile).
      await until('the validators page to show the fees the chain holds', 30_000, async () =>
        JSON.stringify(await pageFees()) === JSON.stringify(await chainFees()) ? true : undefined,
      )
      assert.deepEqual(await pageFees(), await chainFees())
      // Each ended epoch's books, as the contract's views give them.
      const rows = validators.getByTestId('fee-epoch')
      assert.ok((await rows.count()) > 0, 'the epochs the verdicts credited are listed')
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i)
        const epoch = BigInt((await row.getAttribute('data-epoch')) ?? '')
        if (epoch >= current) continue
        const view = await Promise.all(
          (['poolOf', 'votesOf', 'feePerVote'] as const).map(async (name) =>
            String(await read<bigint>(fees, verificationFeesAbi, name, [epoch])),
          ),
        )
        assert.deepEqual(
          await Promise.all(
            ['data-pool', 'data-votes', 'data-fee-per-vote'].map((name) => row.getAttribute(name)),
          ),
          view,
          `epoch ${epoch}`,
        )
      }
      await validators.close()

      const cheater = devnet.providers[4]?.address as Address
      const provider = await open(`/providers/${cheater}`)
      const panel = provider.getByTestId('verification')
      await panel.waitFor()
      // The page updates live as the explorer polls the validators' reports.
      await until('the verification panel to show the checked samples', 30_000, async () =>
        Number(await panel.getAttribute('data-samples')) > 0 ? true : undefined,
      )
      const reputation = Number(await panel.getAttribute('data-reputation'))
      assert.ok(reputation < 1, `the random-tokens provider's reputation is ${reputation}`)
      await provider.close()
    } finally {
      await browser.close()
    }
    assert.deepEqual(errors, [])
  })
})
