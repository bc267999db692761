import { pbkdf2, scrypt } from 'node:crypto'
import { KeystoreError } from './KeystoreError.js'

/** Key-derivation parameters of a v3 keystore, as its `crypto.kdf` and `crypto.kdfparams` say. */
export type KeystoreKdf =
  | { kdf: 'scrypt'; n: number; r: number; p: number; dklen: number; salt: Uint8Array }
  | { kdf: 'pbkdf2'; c: number; prf: 'hmac-sha256'; dklen: number; salt: Uint8Array }

/**
 * Most memory scrypt may use (128 · n · r bytes). 1 GiB lets every standard file through (geth and
 * ethers write n = 2^18, r = 8: 256 MiB) and stops a hostile file from asking for terabytes.
 */
const maxScryptMemory = 1024 * 1024 * 1024

/**
 * Derives the key-encryption key of a Web3 Secret Storage v3 file from its password: scrypt (what geth
 * and ethers write) or PBKDF2-HMAC-SHA256 (older tools). The password is NFKC-normalised UTF-8, as
 * ethers does; for ASCII passwords that is the same bytes geth uses.
 */
export async function deriveKeystoreKey(password: string, params: KeystoreKdf): Promise<Buffer> {
  const secret = Buffer.from(password.normalize('NFKC'), 'utf8')
  if (!Number.isInteger(params.dklen) || params.dklen < 32 || params.dklen > 64)
    throw new KeystoreError(`kdfparams.dklen must be from 32 to 64, got ${params.dklen}`, {
      code: 'invalid_keystore',
    })
  if (params.kdf === 'pbkdf2') {
    if (!Number.isInteger(params.c) || params.c < 1 || params.c > 100_000_000)
      throw new KeystoreError(`kdfparams.c must be from 1 to 100000000, got ${params.c}`, {
        code: 'invalid_keystore',
      })
    return new Promise((resolve, reject) =>
      pbkdf2(secret, params.salt, params.c, params.dklen, 'sha256', (error, key) =>
        error ? reject(error) : resolve(key),
      ),
    )
  }
  const { n, r, p } = params
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0 || n > 2 ** 30)
    throw new KeystoreError(`kdfparams.n must be a power of 2 from 2 to 2^30, got ${n}`, {
      code: 'invalid_keystore',
    })
  if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || r * p >= 2 ** 30)
    throw new KeystoreError(`kdfparams.r and p must be positive integers, got r=${r} p=${p}`, {
      code: 'invalid_keystore',
    })
  // OpenSSL (node:crypto) computes scrypt only for n < 2^(16·r), which every r = 8 file meets.
  if (16 * r < 64 && n >= 2 ** (16 * r))
    throw new KeystoreError(
      `scrypt with n=${n} and r=${r} is beyond what OpenSSL computes (n must be below 2^${16 * r}); re-encrypt the key with r=8, as geth and ethers do`,
      { code: 'invalid_keystore' },
    )
  const memory = 128 * n * r
  if (memory > maxScryptMemory)
    throw new KeystoreError(
      `the keystore's scrypt parameters (n=${n}, r=${r}) need ${memory / 2 ** 20} MiB, more than the 1024 MiB allowed`,
      { code: 'invalid_keystore' },
    )
  return new Promise((resolve, reject) =>
    scrypt(
      secret,
      params.salt,
      params.dklen,
      { N: n, r, p, maxmem: memory + 32 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  )
}
