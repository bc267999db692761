/** Why a keystore could not be read or written. */
export type KeystoreErrorCode =
  /** The password does not decrypt the file (its MAC does not match). */
  | 'wrong_password'
  /** The file is not a Web3 Secret Storage v3 keystore this code can read. */
  | 'invalid_keystore'
  /** The file decrypts, but to a key of another address than the one it names. */
  | 'address_mismatch'
  /** The arguments (key, password, scrypt parameters) are not usable. */
  | 'invalid_argument'

/**
 * The error of everything in `keystore/`: a message a person can act on and a machine-readable `code`.
 * None of these can be retried as they are: a different password or file is needed.
 */
export class KeystoreError extends Error {
  override name = 'KeystoreError' as const
  readonly code: KeystoreErrorCode

  constructor(message: string, options: { code: KeystoreErrorCode; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
  }
}
