import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { recoverDigestSigner } from './recoverDigestSigner.js'

const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

describe('recoverDigestSigner', () => {
  it('recovers the same signer as viem for any key and digest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string(),
        async (keyBytes, text) => {
          fc.pre(keyBytes.some((b) => b !== 0))
          const account = privateKeyToAccount(toHex(keyBytes))
          const digest = keccak256(toHex(text))
          const signature = await account.sign({ hash: digest })
          assert.equal(recoverDigestSigner(digest, signature), account.address)
        },
      ),
      { seed: 7, numRuns: 50 },
    )
  })

  it('refuses a malleable (high-s) twin of a valid signature, as the contract does', async () => {
    const account = privateKeyToAccount(`0x${'11'.repeat(32)}`)
    const digest = keccak256('0x1234')
    const signature = await account.sign({ hash: digest })
    const s = BigInt(`0x${signature.slice(66, 130)}`)
    const v = Number.parseInt(signature.slice(130), 16)
    const twin: `0x${string}` = `0x${signature.slice(2, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
    assert.equal(recoverDigestSigner(digest, twin), undefined)
  })

  it('refuses signatures of the wrong length or with a bad v', () => {
    const digest = keccak256('0x12')
    assert.equal(recoverDigestSigner(digest, `0x${'ab'.repeat(64)}`), undefined)
    assert.equal(recoverDigestSigner(digest, `0x${'ab'.repeat(64)}05`), undefined)
    assert.equal(recoverDigestSigner(digest, '0x'), undefined)
  })

  it('refuses v = 0/1, which ecrecover (hence Payments) refuses, even when it would recover the signer', async () => {
    const account = privateKeyToAccount(`0x${'22'.repeat(32)}`)
    const digest = keccak256('0x5678')
    const signature = await account.sign({ hash: digest })
    assert.equal(recoverDigestSigner(digest, signature), account.address)
    const v = Number.parseInt(signature.slice(130), 16)
    const lowV: `0x${string}` =
      `${signature.slice(0, 130)}${(v - 27).toString(16).padStart(2, '0')}` as `0x${string}`
    assert.equal(recoverDigestSigner(digest, lowV), undefined)
  })
})
