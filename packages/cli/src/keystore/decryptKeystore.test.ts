import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { privateKeyToAddress } from 'viem/accounts'
import { decryptKeystore } from './decryptKeystore.js'
import { encryptKeystore } from './encryptKeystore.js'
import { KeystoreError } from './KeystoreError.js'

/** The Web3 Secret Storage definition's test vectors (ethereum.org, also in go-ethereum's testdata). */
const wikiSecret = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d'
const wikiScrypt = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
const wikiPbkdf2 = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
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

describe('decryptKeystore', () => {
  test("explains that the definition's scrypt vector (r = 1, n = 2^18) is beyond what OpenSSL computes", async () => {
    const error = await rejection(decryptKeystore(wikiScrypt, 'testpassword'))
    assert.equal(
      error.message,
      'not a readable v3 keystore: scrypt with n=262144 and r=1 is beyond what OpenSSL computes (n must be below 2^16); re-encrypt the key with r=8, as geth and ethers do',
    )
  })

  test('decrypts the PBKDF2 test vector of the Web3 Secret Storage definition', async () => {
    assert.equal(await decryptKeystore(JSON.stringify(wikiPbkdf2), 'testpassword'), wikiSecret)
  })

  test('decrypts a keystore file geth wrote, to the key of the address it names', async () => {
    const key = await decryptKeystore(gethLight, 'foobar')
    assert.equal(privateKeyToAddress(key), '0xf466859eAD1932D743d622CB74FC058882E8648A')
  })

  test('a wrong password is rejected as a wrong password', async () => {
    const keystore = await encryptKeystore(testKey, 'right', lowN)
    const error = await rejection(decryptKeystore(keystore, 'wrong'))
    assert.equal(error.code, 'wrong_password')
    assert.equal(error.message, 'wrong keystore password: it does not decrypt this keystore')
  })

  test('a keystore whose address was edited is rejected', async () => {
    const keystore = await encryptKeystore(testKey, 'pw', lowN)
    keystore.address = 'f466859ead1932d743d622cb74fc058882e8648a'
    const error = await rejection(decryptKeystore(keystore, 'pw'))
    assert.equal(error.code, 'address_mismatch')
    assert.equal(
      error.message,
      'the keystore names address 0xf466859eAD1932D743d622CB74FC058882E8648A but holds the key of 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23: the file was altered',
    )
  })

  test('files that are not v3 keystores are rejected with what is wrong', async () => {
    assert.equal(
      (await rejection(decryptKeystore('{"version":1}', 'pw'))).message,
      'not a readable v3 keystore: version must be 3, got 1',
    )
    assert.equal(
      (await rejection(decryptKeystore('not json', 'pw'))).message,
      'not a readable v3 keystore: the file is not JSON',
    )
    const cbc = { ...wikiScrypt, crypto: { ...wikiScrypt.crypto, cipher: 'aes-128-cbc' } }
    assert.equal(
      (await rejection(decryptKeystore(cbc, 'pw'))).message,
      'not a readable v3 keystore: cipher "aes-128-cbc" is not supported (only aes-128-ctr)',
    )
    const huge = {
      ...wikiScrypt,
      crypto: { ...wikiScrypt.crypto, kdfparams: { ...wikiScrypt.crypto.kdfparams, n: 2 ** 24, r: 8 } },
    }
    const error = await rejection(decryptKeystore(huge, 'pw'))
    assert.equal(error.code, 'invalid_keystore')
    assert.match(error.message, /need 16384 MiB, more than the 1024 MiB allowed/)
  })
})
