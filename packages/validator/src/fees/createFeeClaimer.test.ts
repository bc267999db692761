import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DevChain, meshTokenAbi, startDevChain, verificationFeesAbi } from '@infermesh/protocol'
import { type Address, createWalletClient, http, parseEther, toHex } from 'viem'
import { createChainWriter } from '../chain/createChainWriter.js'
import { createFeeClaimer } from './createFeeClaimer.js'

/**
 * The claimer on a real anvil with the deployed VerificationFees: votes are credited by the Disputes
 * contract itself (impersonated on anvil, as only Disputes may credit), the pool is funded with real
 * MESH, the chain's clock is moved past the epoch, and the validator's own serialized writer claims.
 */
describe('createFeeClaimer on anvil', () => {
  let chain: DevChain
  const epochLength = 60n
  const validator = () => chain.account(6)
  const other = () => chain.account(7)
  const funder = () => chain.account(5)
  const fees = () => chain.deployment.contracts.verificationFees as Address
  const rpc = (method: string, params: unknown[]) => chain.publicClient.request({ method, params } as never)
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    chain.publicClient.readContract({
      address: fees(),
      abi: verificationFeesAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const balanceOf = (account: Address) =>
    chain.publicClient.readContract({
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [account],
    })
  const logs: object[] = []
  const log = { info: (o: object) => logs.push(o), warn: (o: object) => logs.push(o) }

  before(async () => {
    chain = await startDevChain({ params: { epochLength } })
  })
  after(async () => {
    await chain?.stop()
  })

  /** Disputes credits `voters` one point each in the current epoch (impersonated: only it may). */
  async function creditVotes(voters: Address[]) {
    const disputes = chain.deployment.contracts.disputes as Address
    await rpc('anvil_impersonateAccount', [disputes])
    await rpc('anvil_setBalance', [disputes, toHex(parseEther('1'))])
    const wallet = createWalletClient({
      account: disputes,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    })
    const hash = await wallet.writeContract({
      address: fees(),
      abi: verificationFeesAbi,
      functionName: 'creditVotes',
      args: [voters],
      // A fixed limit: anvil's own estimate for an impersonated sender once came out short on a loaded
      // machine (the receipt said reverted); creditVotes of three voters uses about 82,000.
      gas: 1_000_000n,
    })
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `creditVotes reverted using ${receipt.gasUsed} gas`)
    await rpc('anvil_stopImpersonatingAccount', [disputes])
  }

  it('claims its points once the epoch has ended, to the wei, and only its own', async () => {
    const writer = createChainWriter({
      publicClient: chain.publicClient,
      walletClient: createWalletClient({
        account: validator(),
        chain: chain.publicClient.chain,
        transport: http(chain.anvil.rpcUrl),
      }),
    })
    const claimer = createFeeClaimer({
      publicClient: chain.publicClient,
      writer,
      verificationFees: fees(),
      fromBlock: await chain.publicClient.getBlockNumber(),
      log,
    })
    // Two points for the validator, one for another member; 6 MESH in the pool: 2 MESH a point (under the 5 MESH cap).
    await creditVotes([validator().address, other().address, validator().address])
    const pool = parseEther('6')
    await chain.fund(funder().address, pool)
    await chain.send(funder(), {
      address: chain.deployment.contracts.token,
      abi: meshTokenAbi,
      functionName: 'approve',
      args: [fees(), pool],
    })
    await chain.send(funder(), {
      address: fees(),
      abi: verificationFeesAbi,
      functionName: 'fund',
      args: [pool],
    })
    const epoch = await read<bigint>('currentEpoch')
    assert.equal(await read<bigint>('votesBy', [epoch, validator().address]), 2n)

    // The epoch has not ended: nothing is claimed, and no transaction is tried.
    const start = await balanceOf(validator().address)
    assert.equal(await claimer.tick(), 0n)
    assert.deepEqual(claimer.pending(), [epoch])

    await rpc('evm_increaseTime', [Number(epochLength)])
    await rpc('evm_mine', [])
    const perVote = await read<bigint>('feePerVote', [epoch])
    const poolOf = await read<bigint>('poolOf', [epoch])
    assert.equal(perVote, poolOf / 3n < parseEther('5') ? poolOf / 3n : parseEther('5'))
    const claimed = await claimer.tick()
    assert.equal(claimed, 2n * perVote)
    assert.equal(await balanceOf(validator().address), start + 2n * perVote)
    assert.equal(await read<boolean>('claimed', [validator().address, epoch]), true)
    assert.equal(await read<boolean>('claimed', [other().address, epoch]), false, 'only its own points')
    assert.deepEqual(claimer.pending(), [])
    assert.ok(logs.some((entry) => JSON.stringify(entry).includes('claimed committee-vote fees')))

    // Nothing more is due: the next tick sends nothing and the balance stays.
    assert.equal(await claimer.tick(), 0n)
    assert.equal(await balanceOf(validator().address), start + 2n * perVote)
  })

  it('forgets an epoch somebody else claimed for it (anyone may), sending no transaction', async () => {
    const epoch = (await read<bigint>('currentEpoch')) - 1n
    const perVote = await read<bigint>('feePerVote', [epoch])
    const before = await balanceOf(other().address)
    // A third party claims the other member's point: the tokens go to the member, never to the caller.
    await chain.send(funder(), {
      address: fees(),
      abi: verificationFeesAbi,
      functionName: 'claim',
      args: [other().address, [epoch]],
    })
    assert.equal(await balanceOf(other().address), before + perVote)
    const writer = createChainWriter({
      publicClient: chain.publicClient,
      walletClient: createWalletClient({
        account: other(),
        chain: chain.publicClient.chain,
        transport: http(chain.anvil.rpcUrl),
      }),
    })
    const claimer = createFeeClaimer({
      publicClient: chain.publicClient,
      writer,
      verificationFees: fees(),
      fromBlock: 0n,
      log,
    })
    const nonce = await chain.publicClient.getTransactionCount({ address: other().address })
    assert.equal(await claimer.tick(), 0n)
    assert.deepEqual(claimer.pending(), [])
    assert.equal(await chain.publicClient.getTransactionCount({ address: other().address }), nonce)
  })
})
