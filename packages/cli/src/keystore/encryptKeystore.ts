import { createCipheriv, randomBytes, randomUUID } from 'node:crypto'
import { concat, type Hex, isHex, keccak256, toHex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { deriveKeystoreKey } from './deriveKeystoreKey.js'
import { KeystoreError } from './KeystoreError.js'

/** A Web3 Secret Storage v3 file (what geth, ethers and most wallets write and read). */
export type KeystoreV3 = {
  version: 3
  /** Random UUID of the file. */
  id: string
  /** The key's address: 40 lower-case hex digits without `0x`, as geth writes it. */
  address: string
  crypto: {
    cipher: 'aes-128-ctr'
    cipherparams: { iv: string }
    ciphertext: string
    kdf: 'scrypt'
    kdfparams: { dklen: 32; n: number; r: number; p: number; salt: string }
    /** keccak256(derivedKey[16..32] ++ ciphertext). */
    mac: string
  }
}

/** Options of `encryptKeystore`. The defaults are geth's and ethers' "standard" parameters. */
export type EncryptKeystoreOptions = {
  /**
   * scrypt cost n, a power of 2. Default 2^18 (about 1 s and 256 MiB). Lower values are for tests only:
   * they make the password cheap to guess.
   */
  scryptN?: number
  /** scrypt block size r. Default 8. */
  scryptR?: number
  /** scrypt parallelism p. Default 1. */
  scryptP?: number
  /** 32-byte salt. Default random; set it only to reproduce a test vector. */
  salt?: Uint8Array
  /** 16-byte AES-CTR initial counter. Default random; set it only to reproduce a test vector. */
  iv?: Uint8Array
  /** File id. Default a random UUID. */
  id?: string
}

/** Default scrypt cost of new keystores (geth's `StandardScryptN`). */
export const defaultScryptN = 2 ** 18

/**
 * Encrypts a private key into a Web3 Secret Storage v3 keystore: scrypt derives a 32-byte key from the
 * password, its first half encrypts the private key with AES-128-CTR and its second half authenticates
 * the ciphertext (`mac`). geth, ethers, viem-based tools and MetaMask import the result.
 *
 * @example
 * ```ts
 * const keystore = await encryptKeystore(generatePrivateKey(), 'correct horse battery staple')
 * await writeFile('keystore.json', JSON.stringify(keystore), { mode: 0o600 })
 * ```
 */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: EncryptKeystoreOptions = {},
): Promise<KeystoreV3> {
  if (!isHex(privateKey) || privateKey.length !== 66)
    throw new KeystoreError('the private key must be 32 bytes of hex (0x + 64 hex digits)', {
      code: 'invalid_argument',
    })
  if (password.length === 0)
    throw new KeystoreError('the keystore password must not be empty: it is all that protects the key', {
      code: 'invalid_argument',
    })
  const salt = options.salt ?? randomBytes(32)
  const iv = options.iv ?? randomBytes(16)
  if (iv.length !== 16) throw new KeystoreError('the iv must be 16 bytes', { code: 'invalid_argument' })
  const n = options.scryptN ?? defaultScryptN
  const r = options.scryptR ?? 8
  const p = options.scryptP ?? 1
  let address: string
  try {
    address = privateKeyToAddress(privateKey).slice(2).toLowerCase()
  } catch (cause) {
    throw new KeystoreError('the private key is not a valid secp256k1 key', {
      code: 'invalid_argument',
      cause,
    })
  }
  const derived = await deriveKeystoreKey(password, { kdf: 'scrypt', n, r, p, dklen: 32, salt }).catch(
    (cause: unknown) => {
      throw cause instanceof KeystoreError
        ? new KeystoreError(cause.message, { code: 'invalid_argument', cause })
        : cause
    },
  )
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), 'hex')), cipher.final()])
  const mac = keccak256(concat([derived.subarray(16, 32), ciphertext]))
  return {
    version: 3,
    id: options.id ?? randomUUID(),
    address,
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: Buffer.from(iv).toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n, r, p, salt: toHex(salt).slice(2) },
      mac: mac.slice(2),
    },
  }
}
