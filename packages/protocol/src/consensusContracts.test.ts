import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Address,
  createTestClient,
  hashTypedData,
  http,
  type LocalAccount,
  parseEther,
  stringToHex,
} from 'viem'
import { disputesAbi } from './abis/Disputes.js'
import { emissionsAbi } from './abis/Emissions.js'
import { meshTokenAbi } from './abis/MeshToken.js'
import { paymentsAbi } from './abis/Payments.js'
import { registryAbi } from './abis/Registry.js'
import { uptimeAbi } from './abis/Uptime.js'
import { canonicalJson } from './canonicalJson.js'
import { paymentsDomain, receiptTypes } from './eip712.js'
import { hashRequest } from './hashRequest.js'
import { hashResponse } from './hashResponse.js'
import { hashTokenIds } from './hashTokenIds.js'
import { signVoucher } from './signVoucher.js'
import { type DevChain, startDevChain } from './startDevChain.js'

const modelId = `0x${'cd'.repeat(32)}` as const
const hardware = { gpuModel: 'RTX 4090', gpuCount: 1, vramMb: 24576, cpuCores: 16, ramMb: 65536 }
const EPOCH = 3600

describe('consensus contracts (Uptime, Disputes, Emissions) on a real anvil', () => {
  let chain: DevChain
  let provider: LocalAccount
  let validators: LocalAccount[]
  let challenger: LocalAccount
  let payer: LocalAccount

  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
    chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const balanceOf = (account: Address) =>
    read<bigint>(chain.deployment.contracts.token, meshTokenAbi, 'balanceOf', [account])
  const test = () => createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
  /** Moves anvil's clock forward and mines a block with the new time. */
  async function passTime(seconds: number) {
    await test().increaseTime({ seconds })
    await test().mine({ blocks: 1 })
  }

  before(async () => {
    chain = await startDevChain()
    provider = chain.account(1)
    validators = [chain.account(2), chain.account(3), chain.account(4)]
    challenger = chain.account(5)
    payer = chain.account(6)
    const { token, registry, disputes } = chain.deployment.contracts
    for (const account of [provider, ...validators, challenger, payer]) {
      await chain.mint(account.address, parseEther('5000'))
    }
    await chain.send(provider, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [registry, parseEther('2000')],
    })
    await chain.send(provider, {
      address: registry,
      abi: registryAbi,
      functionName: 'stake',
      args: [parseEther('2000')],
    })
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
    for (const validator of validators) {
      await chain.send(validator, {
        address: token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [registry, parseEther('1000')],
      })
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'stake',
        args: [parseEther('1000')],
      })
      await chain.send(validator, {
        address: registry,
        abi: registryAbi,
        functionName: 'registerValidator',
        args: ['http://127.0.0.1:9100'],
      })
    }
    await chain.send(challenger, {
      address: token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [disputes, parseEther('100')],
    })
  })

  after(async () => {
    await chain?.stop()
  })

  it('takes uptime reports and counts paid work in epoch 0', async () => {
    const { uptime, payments } = chain.deployment.contracts
    assert.equal(await read<bigint>(uptime, uptimeAbi, 'currentEpoch'), 0n)
    const scores = [9000, 9500, 10000]
    for (const [i, validator] of validators.entries()) {
      await chain.send(validator, {
        address: uptime,
        abi: uptimeAbi,
        functionName: 'submitScores',
        args: [0n, [provider.address], [scores[i]]],
      })
    }
    // Equal stakes: the weighted median is the middle score.
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

  it('slashes a provider whose signed receipt a committee finds guilty, and pays the challenger exactly', async () => {
    const { disputes, registry, token, payments } = chain.deployment.contracts
    await passTime(2 * EPOCH) // epoch 2: the dispute penalizes epochs 1 and 2, not epoch 0
    const body = { model: 'tiny', messages: [{ role: 'user', content: 'Say hi' }], max_tokens: 8 }
    const text = 'hi there'
    const receipt = {
      requestHash: hashRequest('chat', body),
      responseHash: hashResponse(text),
      tokensHash: hashTokenIds([107, 108]),
      modelId,
      payer: payer.address,
      provider: provider.address,
      inputTokens: 5n,
      outputTokens: 2n,
      servedAt: BigInt(Math.floor(Date.now() / 1000)),
      cost: parseEther('0.01'),
      cumulativeAmount: parseEther('100.01'),
    }
    const domain = paymentsDomain(chain.deployment.chainId, payments)
    const signature = await provider.signTypedData({
      domain,
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
    })
    assert.equal(
      await read(disputes, disputesAbi, 'hashReceipt', [receipt]),
      hashTypedData({ domain, types: receiptTypes, primaryType: 'Receipt', message: receipt }),
    )

    const challengerBefore = await balanceOf(challenger.address)
    const supplyBefore = await read<bigint>(token, meshTokenAbi, 'totalSupply')
    await chain.send(challenger, {
      address: disputes,
      abi: disputesAbi,
      functionName: 'openDispute',
      args: [receipt, signature, stringToHex(canonicalJson({ kind: 'chat', body })), stringToHex(text)],
    })
    assert.equal(await read(disputes, disputesAbi, 'disputeCount'), 1n)
    assert.equal(await read(registry, registryAbi, 'lockedOf', [provider.address]), parseEther('200'))
    assert.equal(await balanceOf(disputes), parseEther('100'))

    await test().mine({ blocks: 1 }) // the draw needs block.number > drawBlock
    await chain.send(challenger, {
      address: disputes,
      abi: disputesAbi,
      functionName: 'drawCommittee',
      args: [1n],
    })
    const committee = await read<readonly Address[]>(disputes, disputesAbi, 'committeeOf', [1n])
    assert.deepEqual([...committee].sort(), validators.map((v) => v.address).sort())
    for (const validator of validators) {
      await chain.send(validator, {
        address: disputes,
        abi: disputesAbi,
        functionName: 'vote',
        args: [1n, true],
      })
    }
    await chain.send(challenger, { address: disputes, abi: disputesAbi, functionName: 'resolve', args: [1n] })

    // 10% of 2,000 MESH slashed; half of it and the 100 MESH bond to the challenger, the other half burned.
    const [, staked, unbonding] = await read<readonly [number, bigint, bigint, bigint]>(
      registry,
      registryAbi,
      'stakeOf',
      [provider.address],
    )
    assert.equal(staked, parseEther('1800'))
    assert.equal(unbonding, 0n)
    assert.equal(await read(registry, registryAbi, 'lockedOf', [provider.address]), 0n)
    assert.equal((await balanceOf(challenger.address)) - challengerBefore, parseEther('100'))
    assert.equal(await balanceOf(disputes), 0n)
    assert.equal(await read(token, meshTokenAbi, 'totalSupply'), supplyBefore - parseEther('100'))
    const dispute = await read<{ status: number; guilty: boolean; guiltyVotes: number }>(
      disputes,
      disputesAbi,
      'getDispute',
      [1n],
    )
    assert.equal(dispute.status, 3)
    assert.equal(dispute.guilty, true)
    assert.equal(dispute.guiltyVotes, 3)
    assert.equal(await read(disputes, disputesAbi, 'penalized', [provider.address, 2n]), true)
    assert.equal(await read(disputes, disputesAbi, 'penalized', [provider.address, 0n]), false)
  })

  it('mints epoch 0 emissions after finalization: uptime, capped work and validation', async () => {
    const { uptime, emissions } = chain.deployment.contracts
    await chain.send(payer, { address: uptime, abi: uptimeAbi, functionName: 'finalize', args: [0n, 10n] })
    assert.equal(await read(uptime, uptimeAbi, 'isFinalized', [0n]), true)
    assert.deepEqual(await read(uptime, uptimeAbi, 'scoreOf', [0n, provider.address]), [9500, true])

    // 1,000 MESH: 400 for uptime (the only provider takes it all), 400 for work (capped at 2.5% of the
    // 100 MESH paid: 2.5 MESH, below the 5 MESH burned), 200 for the validators' 3 reports.
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
    for (const validator of validators) {
      const before = await balanceOf(validator.address)
      await chain.send(payer, {
        address: emissions,
        abi: emissionsAbi,
        functionName: 'claim',
        args: [0n, validator.address],
      })
      assert.equal((await balanceOf(validator.address)) - before, validatorShare)
    }
    assert.equal(
      await read(emissions, emissionsAbi, 'emittedIn', [0n]),
      parseEther('402.5') + 3n * validatorShare,
    )
    assert.equal(await read(emissions, emissionsAbi, 'emissionFor', [0n]), parseEther('1000'))
  })
})
