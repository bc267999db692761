import {
  canonicalJson,
  computeCost,
  type DeployParams,
  disputesAbi,
  emissionsAbi,
  hashReceipt,
  hashRequest,
  hashResponse,
  hashTokenIds,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsAbi,
  type Receipt,
  registryAbi,
  signReceipt,
  signSample,
  signVoucher,
  startDevChain,
  uptimeAbi,
} from '@infermesh/protocol'
import {
  type Address,
  createTestClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  stringToHex,
} from 'viem'
import type { ReplayTrace, TraceFlows } from './ReplayTrace.js'

/** Short dispute rounds so that a dispute resolves within one epoch (the contracts' lower bounds). */
export const replayParams: Partial<DeployParams> = {
  disputeWindow: 3600n,
  commitPeriod: 600n,
  revealPeriod: 600n,
  maxRounds: 2n,
  unbondingPeriod: 3600n + 2n * (600n + 600n),
}

const modelId = `0x${'5e'.repeat(32)}` as const
const hardware = { gpuModel: 'sim', gpuCount: 1, vramMb: 24576, cpuCores: 16, ramMb: 65536 }

/**
 * Plays a trace on a real anvil with the real contracts (`startDevChain` → `deployContracts`): the model
 * registered with its royalty, providers and validators staked and registered, one epoch of uptime
 * reports and voucher redemptions (one highest voucher per channel), the burn flushed, the trace's
 * disputes opened by the validator the payer's samples name, drawn, committed, revealed and resolved,
 * then the epoch finalized and every account's emissions claimed. Returns the money each account moved,
 * read from the chain, the epoch played, and the deployment's parameters.
 */
export async function replayOnChain(
  trace: ReplayTrace,
): Promise<{ flows: TraceFlows; epoch: bigint; params: DeployParams }> {
  const chain = await startDevChain({ params: replayParams })
  try {
    const { token, registry, payments, uptime, disputes, emissions, models, verificationFees } =
      chain.deployment.contracts
    const chainId = chain.deployment.chainId
    const params = chain.deployment.params
    const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
      chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    const now = async () => (await chain.publicClient.getBlock({ blockTag: 'latest' })).timestamp
    const passTo = async (timestamp: bigint) => {
      const current = await now()
      if (current < timestamp) {
        await test.increaseTime({ seconds: Number(timestamp - current) })
        await test.mine({ blocks: 1 })
      }
    }
    const balance = (account: Address) => read<bigint>(token, meshTokenAbi, 'balanceOf', [account])
    const supply = () => read<bigint>(token, meshTokenAbi, 'totalSupply')
    const held = async (account: Address) => {
      const [, staked, unbonding] = await read<readonly [number, bigint, bigint, bigint]>(
        registry,
        registryAbi,
        'stakeOf',
        [account],
      )
      return staked + unbonding
    }

    const providers = trace.providers.map((_, i) => chain.account(1 + i))
    const validators = trace.validators.map((_, i) => chain.account(1 + providers.length + i))
    const payer = chain.account(1 + providers.length + validators.length)
    const owner = chain.account(2 + providers.length + validators.length)
    const challenger = validators[validators.length - 1] as (typeof validators)[number]

    // The model and its royalty: a new model's royalty applies after royaltyIncreaseDelay.
    await chain.send(owner, {
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'sim-model', 'https://example.invalid/sim', trace.royaltyBps, owner.address],
    })
    await passTo((await now()) + params.royaltyIncreaseDelay + 1n)

    for (const [i, p] of trace.providers.entries()) {
      const account = providers[i] as (typeof providers)[number]
      await chain.fund(account.address, p.stake)
      await chain.stake(account, p.stake)
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerProvider',
        args: [
          `http://127.0.0.1:${9001 + i}`,
          'sim',
          hardware,
          [{ modelId, pricePerMInput: p.pricePerMInput, pricePerMOutput: p.pricePerMOutput }],
        ],
      })
    }
    for (const [i, stake] of trace.validators.entries()) {
      const account = validators[i] as (typeof validators)[number]
      await chain.fund(account.address, stake + params.challengerBond * BigInt(trace.disputes.length))
      await chain.stake(account, stake)
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: [`http://127.0.0.1:${9100 + i}`],
      })
      await chain.send(account, {
        address: registry,
        abi: registryAbi,
        functionName: 'setValidatorModels',
        args: [[modelId]],
      })
    }
    await chain.send(challenger, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, params.challengerBond * BigInt(trace.disputes.length)],
    })
    const vouchers = trace.providers.map((p, i) =>
      trace.requests
        .filter((r) => r.provider === i)
        .reduce(
          (sum, r) =>
            sum +
            computeCost({
              inputTokens: r.inputTokens,
              outputTokens: r.outputTokens,
              pricePerMInput: p.pricePerMInput,
              pricePerMOutput: p.pricePerMOutput,
            }),
          0n,
        ),
    )
    const deposit = vouchers.reduce((a, b) => a + b, 0n)
    await chain.fund(payer.address, deposit + 10n ** 18n)

    // Start the trace's epoch at its beginning, so that everything below happens within it.
    const epochLength = params.epochLength
    const genesis = BigInt(await read<bigint | number>(uptime, uptimeAbi, 'genesis'))
    const startOf = (e: bigint) => genesis + e * epochLength
    await passTo(startOf(await read<bigint>(uptime, uptimeAbi, 'currentEpoch')) + epochLength + 1n)
    const epoch = await read<bigint>(uptime, uptimeAbi, 'currentEpoch')
    const supplyBefore = await supply()
    for (const validator of validators) {
      await chain.send(validator, {
        address: uptime,
        abi: uptimeAbi,
        functionName: 'submitScores',
        args: [epoch, providers.map((p) => p.address), trace.providers.map((p) => p.score)],
      })
    }

    // Payments: one deposit allocated to each provider; each redeems its highest voucher.
    await chain.deposit(
      payer,
      deposit,
      providers
        .map((p, i) => ({ provider: p.address, amount: vouchers[i] as bigint }))
        .filter((a) => a.amount > 0n),
    )
    const toProvider: bigint[] = []
    for (const [i, account] of providers.entries()) {
      const cumulativeAmount = vouchers[i] as bigint
      if (cumulativeAmount === 0n) {
        toProvider.push(0n)
        continue
      }
      const voucher = { payer: payer.address, provider: account.address, modelId, cumulativeAmount }
      const signature = await signVoucher({ account: payer, chainId, payments, voucher })
      const before = await balance(account.address)
      await chain.send(account, {
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [voucher, signature],
      })
      toProvider.push((await balance(account.address)) - before)
    }
    await chain.send(payer, { address: payments, abi: paymentsAbi, functionName: 'flushBurn' })

    // Disputes: all opened, then drawn, committed, revealed, resolved.
    const validatorsBefore = await Promise.all(validators.map((v) => balance(v.address)))
    const stakesBefore = await Promise.all(providers.map((p) => held(p.address)))
    const ids: bigint[] = []
    for (const [n, d] of trace.disputes.entries()) {
      const provider = providers[d.provider] as (typeof providers)[number]
      const text = `answer ${n}`
      const body = {
        model: 'sim-model',
        messages: [{ role: 'user', content: `question ${n}` }],
        max_tokens: 8,
      }
      const receipt: Receipt = {
        requestHash: hashRequest('chat', body),
        responseHash: hashResponse(text),
        tokensHash: hashTokenIds([100 + n, 101]),
        modelId,
        payer: payer.address,
        provider: provider.address,
        inputTokens: 5n,
        outputTokens: 2n,
        servedAt: await now(),
        cost: 1n,
        cumulativeAmount: (vouchers[d.provider] as bigint) + 1n,
      }
      const signature = await signReceipt({ account: provider, chainId, payments, receipt })
      const issuedAt = Number(await now())
      const sampleSignature = await signSample({
        account: payer,
        chainId,
        disputes,
        receiptDigest: hashReceipt(chainId, payments, receipt),
        validator: challenger.address,
        issuedAt,
      })
      await chain.send(challenger, {
        address: disputes,
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
      ids.push(await read<bigint>(disputes, disputesAbi, 'disputeCount'))
    }
    await test.mine({ blocks: 2 })
    const salt = (member: Address, id: bigint) => keccak256(stringToHex(`salt ${member} ${id}`))
    const member = (address: Address) => {
      const account = validators.find((v) => v.address === address)
      if (!account) throw new Error(`${address} is not one of the trace's validators`)
      return account
    }
    const committees: Address[][] = []
    for (const [n, id] of ids.entries()) {
      await chain.send(payer, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'drawCommittee',
        args: [id],
      })
      const committee = [...(await read<readonly Address[]>(disputes, disputesAbi, 'committeeOf', [id]))]
      committees.push(committee)
      const guilty = trace.disputes[n]?.guilty ?? false
      for (const address of committee) {
        const hidden = keccak256(
          encodeAbiParameters(
            [
              { type: 'uint256' },
              { type: 'uint8' },
              { type: 'address' },
              { type: 'bool' },
              { type: 'bytes32' },
            ],
            [id, 1, address, guilty, salt(address, id)],
          ),
        )
        await chain.send(member(address), {
          address: disputes,
          abi: disputesAbi,
          functionName: 'commitVote',
          args: [id, hidden as Hex],
        })
      }
    }
    let commitEnds = 0n
    for (const id of ids) {
      const d = await read<{ commitEnds: bigint }>(disputes, disputesAbi, 'getDispute', [id])
      if (BigInt(d.commitEnds) > commitEnds) commitEnds = BigInt(d.commitEnds)
    }
    await passTo(commitEnds)
    for (const [n, id] of ids.entries()) {
      const guilty = trace.disputes[n]?.guilty ?? false
      for (const address of committees[n] ?? []) {
        await chain.send(member(address), {
          address: disputes,
          abi: disputesAbi,
          functionName: 'revealVote',
          args: [id, guilty, salt(address, id)],
        })
      }
      await chain.send(payer, { address: disputes, abi: disputesAbi, functionName: 'resolve', args: [id] })
    }
    const stillEpoch = await read<bigint>(uptime, uptimeAbi, 'currentEpoch')
    if (stillEpoch !== epoch) throw new Error(`the trace left epoch ${epoch} before its disputes resolved`)
    const slashed = await Promise.all(
      providers.map(async (p, i) => (stakesBefore[i] as bigint) - (await held(p.address))),
    )

    // Emissions: after the challenge window, finalize the epoch and claim for every account.
    await passTo(startOf(epoch + 2n) + 1n)
    await chain.send(payer, {
      address: uptime,
      abi: uptimeAbi,
      functionName: 'finalize',
      args: [epoch, 100n],
    })
    const emission: bigint[] = []
    for (const account of [...providers, ...validators]) {
      const before = await balance(account.address)
      await chain.send(payer, {
        address: emissions,
        abi: emissionsAbi,
        functionName: 'claim',
        args: [epoch, account.address],
      })
      emission.push((await balance(account.address)) - before)
    }
    const validatorsAfter = await Promise.all(validators.map((v) => balance(v.address)))
    const flows: TraceFlows = {
      providers: providers.map((_, i) => ({
        paid: vouchers[i] as bigint,
        toProvider: toProvider[i] as bigint,
        slashed: slashed[i] as bigint,
        emission: emission[i] as bigint,
      })),
      validators: validators.map((_, v) => (validatorsAfter[v] as bigint) - (validatorsBefore[v] as bigint)),
      royaltiesOwed: await read<bigint>(payments, paymentsAbi, 'royaltiesOwed', [owner.address]),
      verificationFees: await balance(verificationFees),
      supplyDelta: (await supply()) - supplyBefore,
    }
    return { flows, epoch, params }
  } finally {
    await chain.stop()
  }
}
