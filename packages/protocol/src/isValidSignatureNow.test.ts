import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type Address,
  ContractFunctionRevertedError,
  concatHex,
  type Hex,
  parseEther,
  toHex,
  BaseError as ViemBaseError,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { paymentsAbi } from './abis/Payments.js'
import { signVoucher } from './signVoucher.js'
import { type DevChain, startDevChain } from './startDevChain.js'
import { verifyVoucher } from './verifyVoucher.js'
import type { Voucher } from './voucher.js'

const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const modelId: Hex = `0x${'cd'.repeat(32)}`

/** Runtime code that answers every call with one 32-byte word. */
const answering = (word: Hex): Hex => concatHex(['0x7f', word, '0x60005260206000f3'])
const magic: Hex = `0x1626ba7e${'00'.repeat(28)}`
const walletsCode = {
  accepting: answering(magic),
  refusing: answering(`0xffffffff${'00'.repeat(28)}`),
  // The magic selector with garbage after it: the contract compares the whole word, so this is a no.
  sloppy: answering(`0x1626ba7e${'11'.repeat(28)}`),
  // JUMPDEST PUSH1 0 JUMP: burns all its gas.
  burning: '0x5b600056' as Hex,
}

describe('the signature rule: the TypeScript check and Payments agree (real anvil)', () => {
  let chain: DevChain
  let payments: Address
  const payer = privateKeyToAccount(`0x${'31'.repeat(32)}`)
  const other = privateKeyToAccount(`0x${'32'.repeat(32)}`)
  const delegated = privateKeyToAccount(`0x${'33'.repeat(32)}`)
  let provider: Address

  /** The contract's verdict: simulating `redeem` succeeds, or reverts InvalidSignature (false). */
  async function contractSays(voucher: Voucher, signature: Hex): Promise<boolean> {
    try {
      await chain.publicClient.simulateContract({
        account: provider,
        address: payments,
        abi: paymentsAbi,
        functionName: 'redeem',
        args: [voucher, signature],
      })
      return true
    } catch (error) {
      const revert =
        error instanceof ViemBaseError
          ? error.walk((e) => e instanceof ContractFunctionRevertedError)
          : undefined
      if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName === 'InvalidSignature')
        return false
      throw error
    }
  }
  const tsSays = (voucher: Voucher, signature: Hex) =>
    verifyVoucher({
      chainId: chain.deployment.chainId,
      payments,
      voucher,
      signature,
      client: chain.publicClient,
    })

  async function allocate(address: Address, account: Parameters<DevChain['send']>[0]) {
    await chain.publicClient.request({
      method: 'anvil_setBalance' as never,
      params: [address, toHex(parseEther('10'))] as never,
    })
    await chain.fund(address, parseEther('100'))
    await chain.send(account, {
      address: chain.deployment.contracts.token,
      abi: [
        {
          type: 'function',
          name: 'approve',
          stateMutability: 'nonpayable',
          inputs: [
            { name: 's', type: 'address' },
            { name: 'a', type: 'uint256' },
          ],
          outputs: [{ type: 'bool' }],
        },
      ],
      functionName: 'approve',
      args: [payments, parseEther('100')],
    })
    await chain.send(account, {
      address: payments,
      abi: paymentsAbi,
      functionName: 'depositAndAllocate',
      args: [parseEther('100'), [{ provider, amount: parseEther('100') }]],
    })
  }

  before(async () => {
    chain = await startDevChain()
    payments = chain.deployment.contracts.payments
    provider = chain.account(1).address
  })
  after(async () => {
    await chain?.stop()
  })

  it('agrees on random, low-v, high-s, foreign and wrong-length signatures of an EOA payer', async () => {
    await allocate(payer.address, payer)
    const kinds = ['valid', 'lowV', 'highS', 'foreign', 'random65', 'wrongLength', 'flippedBit'] as const
    let agreed = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...kinds),
        fc.bigInt({ min: 1n, max: parseEther('1000') }),
        fc.uint8Array({ minLength: 0, maxLength: 130 }),
        fc.nat({ max: 519 }),
        async (kind, amount, bytes, bit) => {
          const voucher: Voucher = { payer: payer.address, provider, modelId, cumulativeAmount: amount }
          const args = { chainId: chain.deployment.chainId, payments, voucher }
          const good = await signVoucher({ account: payer, ...args })
          const v = Number.parseInt(good.slice(130), 16)
          const s = BigInt(`0x${good.slice(66, 130)}`)
          let signature: Hex
          if (kind === 'valid') signature = good
          else if (kind === 'lowV') signature = `${good.slice(0, 130)}0${v - 27}` as Hex
          else if (kind === 'highS')
            signature =
              `${good.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${v === 27 ? '1c' : '1b'}` as Hex
          else if (kind === 'foreign') signature = await signVoucher({ account: other, ...args })
          else if (kind === 'random65')
            signature = toHex(bytes.length >= 65 ? bytes.slice(0, 65) : new Uint8Array(65).fill(7))
          else if (kind === 'wrongLength') signature = toHex(bytes.length === 65 ? bytes.slice(0, 64) : bytes)
          else {
            const raw = Uint8Array.from(Buffer.from(good.slice(2), 'hex'))
            raw[bit >> 3] = (raw[bit >> 3] as number) ^ (1 << (bit & 7))
            signature = toHex(raw)
          }
          const [ts, contract] = [await tsSays(voucher, signature), await contractSays(voucher, signature)]
          assert.equal(ts, contract, `${kind}: ${signature}`)
          if (kind === 'valid') assert.equal(ts, true)
          if (kind === 'lowV' || kind === 'highS' || kind === 'foreign' || kind === 'wrongLength')
            assert.equal(ts, false)
          agreed++
        },
      ),
      { seed: 11, numRuns: 120 },
    )
    assert.equal(agreed, 120)
  })

  it('agrees on contract wallets and EIP-7702-delegated payers: ECDSA first, EIP-1271 only when it fails', async () => {
    // The payer allocates as an EOA, then its code becomes an EIP-7702 delegation to each wallet in turn.
    const testRpc = (method: string, params: unknown[]) =>
      chain.publicClient.request({ method: method as never, params: params as never })
    await allocate(delegated.address, delegated)
    const voucher: Voucher = {
      payer: delegated.address,
      provider,
      modelId,
      cumulativeAmount: parseEther('1'),
    }
    const args = { chainId: chain.deployment.chainId, payments, voucher }
    const ecdsa = await signVoucher({ account: delegated, ...args })
    const garbage: Hex = `0x${'42'.repeat(65)}`
    const short: Hex = `0x${'42'.repeat(20)}`
    const verdicts: Record<string, Record<string, [boolean, boolean]>> = {}
    for (const [name, runtime] of Object.entries(walletsCode)) {
      // The code an EIP-7702 delegation leaves: 0xef0100 ‖ delegate. anvil_setCode writes the delegate.
      const delegate =
        `0x${(Object.keys(walletsCode).indexOf(name) + 0x7702).toString(16).padStart(40, '0')}` as Address
      await testRpc('anvil_setCode', [delegate, runtime])
      await testRpc('anvil_setCode', [delegated.address, concatHex(['0xef0100', delegate])])
      verdicts[name] = {}
      for (const [label, signature] of Object.entries({ ecdsa, garbage, short })) {
        const pair: [boolean, boolean] = [
          await tsSays(voucher, signature),
          await contractSays(voucher, signature),
        ]
        verdicts[name][label] = pair
        assert.equal(pair[0], pair[1], `${name} / ${label}`)
      }
      // ECDSA first: a delegate that refuses everything cannot revoke the payer's own signatures.
      assert.equal(verdicts[name].ecdsa?.[0], true, `${name} / ecdsa`)
      assert.equal(verdicts[name].garbage?.[0], name === 'accepting', `${name} / garbage`)
      assert.equal(verdicts[name].short?.[0], name === 'accepting', `${name} / short`)
    }
    // Without a client the TypeScript check never goes past ECDSA (never more permissive than the chain).
    assert.equal(await verifyVoucher({ ...args, signature: garbage }), false)
    assert.equal(await verifyVoucher({ ...args, signature: ecdsa }), true)
    await testRpc('anvil_setCode', [delegated.address, '0x'])
  })
})
