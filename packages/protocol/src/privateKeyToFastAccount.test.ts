import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { type Hex, recoverAddress, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { privateKeyToFastAccount } from './privateKeyToFastAccount.js'

describe('privateKeyToFastAccount', () => {
  it("signs digests exactly as viem's account does, for random keys and digests", async () => {
    for (let i = 0; i < 100; i++) {
      const privateKey = toHex(randomBytes(32))
      const fast = privateKeyToFastAccount(privateKey)
      const viem = privateKeyToAccount(privateKey)
      assert.equal(fast.address, viem.address)
      const hash = toHex(randomBytes(32))
      const signature = await fast.sign({ hash })
      assert.equal(signature, await viem.sign({ hash }))
      assert.equal(await recoverAddress({ hash, signature }), viem.address)
    }
  })

  it('keeps the rest of the account: typed data and messages sign as before', async () => {
    const privateKey: Hex = `0x${'42'.repeat(32)}`
    const fast = privateKeyToFastAccount(privateKey)
    const viem = privateKeyToAccount(privateKey)
    assert.equal(await fast.signMessage({ message: 'hi' }), await viem.signMessage({ message: 'hi' }))
    assert.equal(fast.publicKey, viem.publicKey)
    assert.equal(fast.type, 'local')
  })
})
