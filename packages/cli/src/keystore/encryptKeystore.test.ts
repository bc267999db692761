import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decryptKeystore } from './decryptKeystore.js'
import { encryptKeystore } from './encryptKeystore.js'
import { KeystoreError } from './KeystoreError.js'

/** A file geth wrote with its light scrypt parameters (go-ethereum accounts/keystore/testdata/keystore/aaa). */
const gethLight =
  '{"address":"f466859ead1932d743d622cb74fc058882e8648a","crypto":{"cipher":"aes-128-ctr","ciphertext":"cb664472deacb41a2e995fa7f96fe29ce744471deb8d146a0e43c7898c9ddd4d","cipherparams":{"iv":"dfd9ee70812add5f4b8f89d0811c9158"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":8,"p":16,"r":8,"salt":"0d6769bf016d45c479213990d6a08d938469c4adad8a02ce507b4a4e7b7739f1"},"mac":"bac9af994b15a45dd39669fc66f9aa8a3b9dd8c22cb16e4d8d7ea089d0f1a1a9"},"id":"472e8b3d-afb6-45b5-8111-72c89895099a","version":3}'

const testKey = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const lowN = { scryptN: 1024 }

async function rejection(promise: Promise<unknown>): Promise<KeystoreError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof KeystoreError, `expected a KeystoreError, got ${error}`)
    return error
  }
  assert.fail('expected a rejection')
}

describe('encryptKeystore', () => {
  test('encrypts to exactly the file geth wrote, given its key, salt, iv and scrypt parameters', async () => {
    const file = JSON.parse(gethLight)
    const key = await decryptKeystore(file, 'foobar')
    const keystore = await encryptKeystore(key, 'foobar', {
      scryptN: 8,
      scryptR: 8,
      scryptP: 16,
      salt: Buffer.from(file.crypto.kdfparams.salt, 'hex'),
      iv: Buffer.from(file.crypto.cipherparams.iv, 'hex'),
      id: file.id,
    })
    assert.deepEqual(keystore, file)
  })

  test('round-trips a key through encrypt and decrypt, writing r = 8, p = 1, a 32-byte salt and a 16-byte iv', async () => {
    const keystore = await encryptKeystore(testKey, 'pässwörd', lowN)
    assert.equal(keystore.version, 3)
    assert.match(keystore.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(keystore.address, '2c7536e3605d9c16a7a3d7b1898e529396a65c23')
    assert.deepEqual(
      { ...keystore.crypto.kdfparams, salt: keystore.crypto.kdfparams.salt.length },
      { dklen: 32, n: 1024, r: 8, p: 1, salt: 64 },
    )
    assert.equal(keystore.crypto.cipherparams.iv.length, 32)
    assert.equal(await decryptKeystore(JSON.stringify(keystore), 'pässwörd'), testKey)
  })

  test('uses scrypt n = 2^18 by default', async () => {
    const keystore = await encryptKeystore(testKey, 'pw')
    assert.equal(keystore.crypto.kdfparams.n, 262144)
  })

  test('two encryptions of the same key differ (random salt and iv)', async () => {
    const a = await encryptKeystore(testKey, 'pw', lowN)
    const b = await encryptKeystore(testKey, 'pw', lowN)
    assert.notEqual(a.crypto.ciphertext, b.crypto.ciphertext)
    assert.notEqual(a.crypto.kdfparams.salt, b.crypto.kdfparams.salt)
  })

  test('an empty password or a malformed key is refused when encrypting', async () => {
    assert.equal((await rejection(encryptKeystore(testKey, '', lowN))).code, 'invalid_argument')
    assert.equal((await rejection(encryptKeystore('0x1234', 'pw', lowN))).code, 'invalid_argument')
    assert.equal(
      (await rejection(encryptKeystore(testKey, 'pw', { scryptN: 1000 }))).message,
      'kdfparams.n must be a power of 2 from 2 to 2^30, got 1000',
    )
  })
})
