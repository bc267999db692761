import { createDecipheriv, timingSafeEqual } from 'node:crypto'
import { concat, getAddress, type Hex, keccak256 } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { deriveKeystoreKey, type KeystoreKdf } from './deriveKeystoreKey.js'
import { KeystoreError } from './KeystoreError.js'

const invalid = (message: string, cause?: unknown) =>
  new KeystoreError(`not a readable v3 keystore: ${message}`, { code: 'invalid_keystore', cause })

function hexField(value: unknown, field: string, bytes?: number): Buffer {
  const text = typeof value === 'string' ? value.replace(/^0x/i, '') : undefined
  if (text === undefined || !/^([0-9a-fA-F]{2})*$/.test(text) || text.length === 0)
    throw invalid(`${field} must be a hex string`)
  const buffer = Buffer.from(text, 'hex')
  if (bytes !== undefined && buffer.length !== bytes)
    throw invalid(`${field} must be ${bytes} bytes, got ${buffer.length}`)
  return buffer
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${field} must be an object`)
  return value as Record<string, unknown>
}

/**
 * Decrypts a Web3 Secret Storage v3 keystore (geth, ethers, MetaMask exports, `encryptKeystore`) and
 * returns its private key. Reads scrypt and PBKDF2-HMAC-SHA256 files with AES-128-CTR. Checks the MAC
 * before decrypting, so a wrong password is told apart from a damaged file, and checks the key against
 * the address the file names.
 *
 * @throws KeystoreError `wrong_password`, `invalid_keystore` or `address_mismatch`.
 * @example
 * ```ts
 * const privateKey = await decryptKeystore(await readFile('keystore.json', 'utf8'), password)
 * const account = privateKeyToAccount(privateKey)
 * ```
 */
export async function decryptKeystore(json: string | object, password: string): Promise<Hex> {
  let file: Record<string, unknown>
  if (typeof json === 'string') {
    try {
      file = record(JSON.parse(json), 'the file')
    } catch (cause) {
      throw cause instanceof KeystoreError ? cause : invalid('the file is not JSON', cause)
    }
  } else file = record(json, 'the file')
  if (file.version !== 3) throw invalid(`version must be 3, got ${JSON.stringify(file.version)}`)
  // geth wrote "Crypto" before 1.4; ethers still reads both.
  const crypto = record(file.crypto ?? file.Crypto, 'crypto')
  if (crypto.cipher !== 'aes-128-ctr')
    throw invalid(`cipher ${JSON.stringify(crypto.cipher)} is not supported (only aes-128-ctr)`)
  const iv = hexField(record(crypto.cipherparams, 'crypto.cipherparams').iv, 'crypto.cipherparams.iv', 16)
  const ciphertext = hexField(crypto.ciphertext, 'crypto.ciphertext')
  if (ciphertext.length > 32) throw invalid(`the ciphertext is ${ciphertext.length} bytes, not a private key`)
  const mac = hexField(crypto.mac, 'crypto.mac', 32)
  const params = record(crypto.kdfparams, 'crypto.kdfparams')
  const salt = hexField(params.salt, 'crypto.kdfparams.salt')
  let kdf: KeystoreKdf
  if (crypto.kdf === 'scrypt') {
    kdf = {
      kdf: 'scrypt',
      n: Number(params.n),
      r: Number(params.r),
      p: Number(params.p),
      dklen: Number(params.dklen),
      salt,
    }
  } else if (crypto.kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256')
      throw invalid(`prf ${JSON.stringify(params.prf)} is not supported (only hmac-sha256)`)
    kdf = { kdf: 'pbkdf2', c: Number(params.c), prf: 'hmac-sha256', dklen: Number(params.dklen), salt }
  } else {
    throw invalid(`kdf ${JSON.stringify(crypto.kdf)} is not supported (scrypt or pbkdf2)`)
  }

  const derived = await deriveKeystoreKey(password, kdf).catch((cause: unknown) => {
    throw cause instanceof KeystoreError ? invalid(cause.message, cause) : cause
  })
  const expected = Buffer.from(keccak256(concat([derived.subarray(16, 32), ciphertext])).slice(2), 'hex')
  if (!timingSafeEqual(expected, mac))
    throw new KeystoreError('wrong keystore password: it does not decrypt this keystore', {
      code: 'wrong_password',
    })

  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  // Old files hold keys with leading zero bytes stripped; the key is the number, so pad it back.
  const privateKey = `0x${key.toString('hex').padStart(64, '0')}` as Hex
  let address: Hex
  try {
    address = privateKeyToAddress(privateKey)
  } catch (cause) {
    throw invalid('it decrypts to something that is not a secp256k1 private key', cause)
  }
  if (typeof file.address === 'string' && file.address !== '') {
    const named = file.address.startsWith('0x') ? file.address : `0x${file.address}`
    let namedAddress: string
    try {
      namedAddress = getAddress(named.toLowerCase())
    } catch (cause) {
      throw invalid(`address ${JSON.stringify(file.address)} is not an address`, cause)
    }
    if (namedAddress !== address)
      throw new KeystoreError(
        `the keystore names address ${namedAddress} but holds the key of ${address}: the file was altered`,
        { code: 'address_mismatch' },
      )
  }
  return privateKey
}
